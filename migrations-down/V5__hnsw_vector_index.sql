DROP INDEX idx_embeddings_vector_cosine;
CREATE INDEX idx_embeddings_vector_cosine ON embeddings
    USING ivfflat (embedding vector_cosine_ops) WITH (lists = 100);
