-- Which price source (table version, override file, config) priced each request, so spend can be
-- reconciled against a provider's invoice.
ALTER TABLE request_log ADD COLUMN priced_as TEXT;
