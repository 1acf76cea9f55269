package dev.pouch.server.operations;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.pouch.server.OperationsConfig;
import java.net.URL;
import org.slf4j.LoggerFactory;

/** Switches Logback to the JSON configuration ({@code logback-json.xml}) for {@code json}. */
public final class LogFormat {
  private LogFormat() {}

  public static void apply(String format) {
    if (!OperationsConfig.JSON.equals(format)
        || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    URL json = LogFormat.class.getResource("/logback-json.xml");
    if (json == null) {
      throw new IllegalStateException("logback-json.xml is missing from the jar");
    }
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(json);
    } catch (JoranException e) {
      throw new IllegalStateException("cannot configure JSON logs", e);
    }
  }
}
