/**
 * Budgets and the reservation protocol: a worst-case amount is reserved before a request goes
 * upstream and settled exactly once afterwards. The arithmetic lives here; the atomic guarded
 * update lives in the store that implements the ledger port.
 */
package dev.pouch.domain.budget;
