/**
 * The in-process {@link dev.pouch.domain.limit.LimitCounters}: each instance counts on its own. The
 * default of {@code Pouch.builder().limits}, and what a shared implementation falls back to when
 * its store cannot be reached.
 */
package dev.pouch.application.limits;
