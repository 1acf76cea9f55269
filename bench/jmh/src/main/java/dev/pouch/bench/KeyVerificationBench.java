package dev.pouch.bench;

import dev.pouch.application.keys.KeySecrets;
import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.domain.key.AppKey;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Key verification on a cache hit: {@code Pouch.proxy().authenticate("Bearer pa-…")}, the first
 * step of every request (header check, SHA-256 of the secret, cache lookup). The bare SHA-256 is
 * measured alongside as the floor of a hit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class KeyVerificationBench {
  private Fixtures.PouchUnderTest pouch;
  private ProxyChat proxy;
  private String header;
  private String secret;

  @Setup(Level.Trial)
  public void setUp() {
    // The provider is never called here: port 9 on loopback is only a placeholder.
    pouch = new Fixtures.PouchUnderTest("http://127.0.0.1:9/v1");
    proxy = pouch.pouch.proxy();
    secret = pouch.secret;
    header = "Bearer " + secret;
    proxy.authenticate(header); // fills the cache: every measured call is a hit
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pouch.close();
  }

  @Benchmark
  public AppKey authenticateCacheHit() {
    return proxy.authenticate(header);
  }

  @Benchmark
  public String sha256OfSecret() {
    return KeySecrets.hash(secret);
  }
}
