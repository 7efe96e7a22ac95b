-- Texts are not put back.
SELECT 1;
