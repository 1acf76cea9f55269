package dev.pouch.adapters.openai;

import dev.pouch.domain.provider.ModelInfo;
import java.util.List;
import java.util.Optional;

/**
 * What a key's provider prices by: the server's {@link PriceBook}, or it under a key's own rows.
 */
interface Prices {
  /** The entry pricing {@code model} (a dated snapshot by its base model's); empty when unknown. */
  Optional<PricedModel> find(String model);

  /** The provider's view of {@code model}, its {@code pricedAs} naming entry and table version. */
  Optional<ModelInfo> modelInfo(String model);

  /** Every priced model. */
  List<PricedModel> models();

  /** The version of the prices in force. */
  String version();
}
