-- The jobs a row still waits on: a PDF or an export whose file is not stored, an import without
-- its outcome, a generation's report or ZIP under way. The retention of finished jobs keeps
-- these whatever their age, so asking for the resource again finds its job (and, when that job
-- failed for good, makes a new one). Job ids in these tables carry no foreign key: the outbox
-- is purged in batches and a job may be asked for after its row went.
CREATE VIEW waiting_jobs AS
    SELECT r.job_id FROM incident_documents r LEFT JOIN documents d ON d.id = r.id WHERE d.id IS NULL
    UNION ALL
    SELECT r.job_id FROM declaration_documents r LEFT JOIN documents d ON d.id = r.id WHERE d.id IS NULL
    UNION ALL
    SELECT r.job_id FROM incident_exports r LEFT JOIN documents d ON d.id = r.id WHERE d.id IS NULL
    UNION ALL
    SELECT job_id FROM standard_imports WHERE report IS NULL AND failure IS NULL
    UNION ALL
    SELECT job_id FROM risk_analysis_imports WHERE result IS NULL AND failure IS NULL
    UNION ALL
    SELECT job_id FROM report_generation_items WHERE status IN ('queued', 'running')
    UNION ALL
    SELECT assembly_job_id FROM report_generations WHERE status = 'assembling' AND assembly_job_id IS NOT NULL;
