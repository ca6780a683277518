-- V4: a table for the search settings this library measures and stores
-- (`truthgraph-db tune`). Database::open reads it and starts every pooled
-- connection with these values, so a default search needs no per-call SET.
-- Only names the library knows are read, and values are checked before use.
CREATE TABLE truthgraph_settings (
    name VARCHAR(63) PRIMARY KEY,
    value VARCHAR(63) NOT NULL,
    rows_measured BIGINT,
    recall DOUBLE PRECISION,
    p50_ms DOUBLE PRECISION,
    measured_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    note TEXT,
    CONSTRAINT truthgraph_settings_name_check
        CHECK (name IN ('hnsw.ef_search', 'ivfflat.probes')),
    CONSTRAINT truthgraph_settings_value_check CHECK (value ~ '^[0-9]{1,5}$'),
    CONSTRAINT truthgraph_settings_recall_range CHECK (recall IS NULL OR recall BETWEEN 0 AND 1)
);
COMMENT ON TABLE truthgraph_settings IS
    'Search settings measured by truthgraph-db tune; every connection of the library starts with them';
