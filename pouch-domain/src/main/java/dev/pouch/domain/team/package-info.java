/** Teams: keys that share budgets, reserved together with the keys' own (budgets in layers). */
package dev.pouch.domain.team;
