DROP TABLE resource_hours;
