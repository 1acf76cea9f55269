/**
 * Contract tests for Pouch's ports: abstract JUnit classes that every implementation must pass. A
 * module proves itself with one small subclass per port it implements ({@link
 * dev.pouch.testkit.KeyRepositoryContract}, {@link dev.pouch.testkit.BudgetLedgerContract}, {@link
 * dev.pouch.testkit.RequestLogContract}, {@link dev.pouch.testkit.ProviderContract}); {@link
 * dev.pouch.testkit.TestData} builds the values they store. Use this module in test scope.
 */
package dev.pouch.testkit;
