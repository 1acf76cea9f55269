package dev.pouch.adapters.openai;

import java.io.IOException;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Protocol;
import okhttp3.Response;

/**
 * Leaves the read timeout of an HTTP/1.1 upstream to okio's watchdog alone.
 *
 * <p>OkHttp enforces that timeout twice: with the socket's {@code SO_TIMEOUT}, and with okio's
 * {@code AsyncTimeout}, whose watchdog thread closes the socket when a read waits longer (the read
 * then fails as a timeout). On a virtual thread, a socket read with {@code SO_TIMEOUT} is a timed
 * park: every read that waits schedules a task on the JDK's delay scheduler, cancels it and wakes
 * that scheduler's thread, which was ~8 % of Pouch's CPU in streams of small events. OkHttp sets
 * {@code SO_TIMEOUT} when it creates each exchange, before the network interceptors run, so this
 * network interceptor clears it again for every request; the watchdog's timeout stays armed.
 */
final class WatchdogReadTimeout {
  private WatchdogReadTimeout() {}

  static Response clearSocketTimeout(Interceptor.Chain chain) throws IOException {
    Connection connection = chain.connection();
    if (connection != null
        && connection.protocol() == Protocol.HTTP_1_1
        && chain.readTimeoutMillis() > 0) {
      connection.socket().setSoTimeout(0);
    }
    return chain.proceed(chain.request());
  }
}
