/** The request log: one row per proxied request, enough to reconcile spend with an invoice. */
package dev.pouch.domain.log;
