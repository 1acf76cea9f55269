package dev.pouch.server.operations;

import dev.pouch.application.port.out.ProxyEvents;
import dev.pouch.domain.log.RequestRecord;

/** The proxy's events told to the server's metrics and its traces. */
public record ObservedEvents(Metrics metrics, Tracing tracing) implements ProxyEvents {
  @Override
  public void reservationOpened(String providerId, long amountMicros) {
    metrics.reservationOpened(providerId, amountMicros);
  }

  @Override
  public void reservationSettled(String providerId, RequestRecord record) {
    metrics.reservationSettled(providerId, record);
  }

  @Override
  public void upstreamResponded(String providerId, boolean streaming, long nanos) {
    metrics.upstreamResponded(providerId, streaming, nanos);
    tracing.upstreamResponded(providerId, streaming, nanos);
  }

  @Override
  public void reserveTook(String providerId, long nanos) {
    tracing.reserveTook(providerId, nanos);
  }

  @Override
  public void settleTook(String providerId, RequestRecord record, long nanos) {
    tracing.settleTook(providerId, record, nanos);
  }
}
