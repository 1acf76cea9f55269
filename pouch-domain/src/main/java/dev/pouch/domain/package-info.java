/**
 * Pouch's domain: app keys, money, budgets, plugin schemas, the provider port and the middleware
 * chain. Pure Java with no dependency outside the JDK, so it can be embedded anywhere and reasoned
 * about in isolation.
 */
package dev.pouch.domain;
