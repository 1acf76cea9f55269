/**
 * The contracts run against {@code pouch-application}'s in-memory fake ({@code InMemoryStore}, from
 * its test jar): the application's own tests cannot depend on the testkit, which depends on the
 * application (ARCHITECTURE.md D14).
 */
package dev.pouch.testkit.memory;
