/**
 * The provider's own bill: the cost and usage report a provider publishes for a day range (an admin
 * API of its own), which Pouch sets beside its ledger to find drift.
 */
package dev.pouch.domain.bill;
