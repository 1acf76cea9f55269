package dev.pouch.adapters.postgres;

import dev.pouch.domain.budget.Budget;

/**
 * One row of {@code budgets}: the {@code position}-th budget of an owner (key or team), with the
 * row id that reservations name.
 */
record BudgetRow(long id, String ownerId, int position, Budget budget) {}
