/**
 * Outbound ports: the stores Pouch needs, named by role. An adapter module (SQLite, PostgreSQL, …)
 * implements them; one adapter class may implement several, so that a settlement and its request
 * log row share a transaction.
 */
package dev.pouch.application.port.out;
