package dev.pouch.application.fakes;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import dev.pouch.domain.provider.Operation;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A middleware plugin ({@value #ID}) whose behaviour comes from its config, so a key's chain is
 * scripted the way an admin would configure it. Every instance writes {@code "label >"} when a
 * request enters it and {@code "label <"} when the response passes back, into one shared trace.
 */
public final class ScriptedMiddlewares implements MiddlewareFactory {
  public static final String ID = "scripted";

  /** What a scripted middleware does with a request. */
  public enum Action {
    /** Proceeds with the request unchanged. */
    PASS,
    /** Proceeds with the model replaced by the config's {@code model}. */
    REWRITE_MODEL,
    /** Answers by itself without proceeding. */
    SHORT_CIRCUIT,
    /** Refuses the request as a rate limiter would. */
    REFUSE,
    /** Calls proceed twice (a contract violation). */
    PROCEED_TWICE,
    /** Returns null without proceeding (a contract violation). */
    RETURN_NULL,
    /** Proceeds, then throws. */
    THROW_AFTER_PROCEED,
    /** Proceeds, then answers with its own response instead of the one it got. */
    REPLACE_AFTER_PROCEED;

    String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The body a short-circuiting middleware answers with. */
  public static final String SHORT_CIRCUIT_BODY = "{\"answered_by\":\"middleware\"}";

  private final List<ScriptedMiddleware> created = new CopyOnWriteArrayList<>();
  private final List<String> trace = new CopyOnWriteArrayList<>();

  @Override
  public PluginInfo info() {
    List<String> actions = Arrays.stream(Action.values()).map(Action::wireName).toList();
    return new PluginInfo(
        ID,
        "Scripted",
        "Does what its config says.",
        PluginSchema.of(
            SchemaField.builder("label", FieldType.STRING).required().max(20).build(),
            SchemaField.builder("action", FieldType.SELECT)
                .options(actions)
                .defaultValue(Action.PASS.wireName())
                .build(),
            SchemaField.builder("model", FieldType.STRING).build()),
        false);
  }

  @Override
  public Middleware create(PluginConfig config) {
    ScriptedMiddleware middleware =
        new ScriptedMiddleware(
            config.string("label", "?"),
            Action.valueOf(config.string("action", "pass").toUpperCase(Locale.ROOT)),
            config.string("model", null),
            trace);
    created.add(middleware);
    return middleware;
  }

  /** Instances created so far, oldest first. */
  public List<ScriptedMiddleware> created() {
    return List.copyOf(created);
  }

  /** Entries and exits of every instance, in order. */
  public List<String> trace() {
    return List.copyOf(trace);
  }

  /** One scripted link of a chain. */
  public static final class ScriptedMiddleware implements Middleware {
    private final String label;
    private final Action action;
    private final String model;
    private final List<String> trace;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean closed;

    ScriptedMiddleware(String label, Action action, String model, List<String> trace) {
      this.label = label;
      this.action = action;
      this.model = model;
      this.trace = trace;
    }

    @Override
    public ProxyResponse intercept(Chain chain) {
      requests.incrementAndGet();
      trace.add(label + " >");
      Operation request = chain.request();
      ProxyResponse response =
          switch (action) {
            case PASS -> chain.proceed(request);
            case REWRITE_MODEL -> chain.proceed(request.withModel(model));
            case SHORT_CIRCUIT -> ProxyResponse.Complete.json(200, SHORT_CIRCUIT_BODY);
            case REFUSE -> ProxyResponse.refused(Refusal.rateLimited(label + " says slow down", 7));
            case PROCEED_TWICE -> {
              chain.proceed(request);
              yield chain.proceed(request);
            }
            case RETURN_NULL -> null;
            case REPLACE_AFTER_PROCEED -> {
              chain.proceed(request);
              yield ProxyResponse.Complete.json(200, SHORT_CIRCUIT_BODY);
            }
            case THROW_AFTER_PROCEED -> {
              chain.proceed(request);
              throw new IllegalStateException(label + " failed after proceed");
            }
          };
      trace.add(label + " <");
      return response == null ? null : response.withHeader("X-Seen-By-" + label, "yes");
    }

    @Override
    public void close() {
      closed = true;
    }

    public String label() {
      return label;
    }

    /** Requests this instance has handled. */
    public int requests() {
      return requests.get();
    }

    public boolean isClosed() {
      return closed;
    }
  }
}
