DROP TABLE absence_reasons;
