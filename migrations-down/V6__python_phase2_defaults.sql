ALTER TABLE nli_results ALTER COLUMN premise_text DROP NOT NULL,
                        ALTER COLUMN hypothesis_text DROP NOT NULL;
ALTER TABLE nli_results ALTER COLUMN model_name DROP DEFAULT;
ALTER TABLE embeddings ALTER COLUMN model_name DROP DEFAULT;
