-- Undoes V9: the two columns (their CHECK goes with them). Their values are lost.
ALTER TABLE evidence DROP COLUMN publication_date;
ALTER TABLE evidence DROP COLUMN credibility_score;
