/** Team management: teams and their budgets, on the team repository and the ledger. */
package dev.pouch.application.teams;
