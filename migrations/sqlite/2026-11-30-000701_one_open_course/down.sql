DROP INDEX courses_one_open;
