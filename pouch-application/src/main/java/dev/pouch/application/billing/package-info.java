/** Reconciliation of the ledger with the providers' own bills ({@code GET /api/reconciliation}). */
package dev.pouch.application.billing;
