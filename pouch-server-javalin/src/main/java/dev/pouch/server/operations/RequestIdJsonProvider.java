package dev.pouch.server.operations;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import net.logstash.logback.composite.AbstractFieldJsonProvider;
import org.slf4j.event.KeyValuePair;

/**
 * Writes a JSON log line's one {@code request_id}: the request's own (the logging MDC) on its
 * thread, else the one the line names. Lines inside a request may carry it both ways (the core
 * names it for embedders without Pouch's MDC), and a repeated field breaks log pipelines that
 * refuse duplicate keys; logback-json.xml leaves it out of the MDC and key-value providers.
 */
public final class RequestIdJsonProvider extends AbstractFieldJsonProvider<ILoggingEvent> {
  public RequestIdJsonProvider() {
    setFieldName(Observability.MDC_REQUEST_ID);
  }

  @Override
  public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
    String id = event.getMDCPropertyMap().get(Observability.MDC_REQUEST_ID);
    if (id == null && event.getKeyValuePairs() != null) {
      for (KeyValuePair pair : event.getKeyValuePairs()) {
        if (Observability.MDC_REQUEST_ID.equals(pair.key) && pair.value != null) {
          id = pair.value.toString();
          break;
        }
      }
    }
    if (id != null) {
      generator.writeStringField(getFieldName(), id);
    }
  }
}
