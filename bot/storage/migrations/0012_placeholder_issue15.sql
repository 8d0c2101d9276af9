-- Placeholder for migration 0012, which another part of issue 15 owns (forum mode / stance polls).
-- It only keeps the numbers in sequence on this branch: DELETE this file when merging.
SELECT 1;
