-- Content fixes are not undone.
SELECT 1;
