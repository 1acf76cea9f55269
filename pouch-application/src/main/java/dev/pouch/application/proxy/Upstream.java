package dev.pouch.application.proxy;

import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import java.util.Objects;

/**
 * One upstream a key's requests may go to: the key's provider, or one of its fallbacks.
 *
 * @param label its place in the key's policy, as the request log names it ({@code provider:openai},
 *     {@code fallbacks[1]:anthropic})
 * @param provider the live provider
 * @param model the model asked of it instead of the request's, or {@code null}
 */
record Upstream(String label, Provider provider, String model) {
  Upstream {
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(provider, "provider");
  }

  /** The key's own provider. */
  static Upstream primary(String providerId, Provider provider) {
    return new Upstream("provider:" + providerId, provider, null);
  }

  /** The provider id a label names: what follows its place ({@code fallbacks[0]:anthropic}). */
  static String providerIdOf(String label) {
    return label.substring(label.indexOf(':') + 1);
  }

  /** The model this upstream is asked for a request that names {@code requested}. */
  String modelFor(String requested) {
    return model == null ? requested : model;
  }

  /** The request as this upstream is asked it. */
  Operation adapt(Operation request) {
    String asked = modelFor(request.model());
    return asked.equals(request.model()) ? request : request.withModel(asked);
  }
}
