package dev.pouch.application.proxy;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.WebhookSender;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.chain.KeyControl;
import java.net.URI;
import java.util.Map;
import java.util.function.BiConsumer;

/** {@link KeyControl} for one key, over the ledger, key management and the webhook sender. */
final class HostKeyControl implements KeyControl {
  private final String keyId;
  private final BudgetLedger ledger;
  private final BiConsumer<String, String> suspender;
  private final WebhookSender webhooks;

  HostKeyControl(
      String keyId,
      BudgetLedger ledger,
      BiConsumer<String, String> suspender,
      WebhookSender webhooks) {
    this.keyId = keyId;
    this.ledger = ledger;
    this.suspender = suspender;
    this.webhooks = webhooks;
  }

  @Override
  public Budget budget() {
    return ledger.require(keyId);
  }

  @Override
  public void suspend(String reason) {
    suspender.accept(keyId, reason);
  }

  @Override
  public void notify(String webhookUrl, Map<String, Object> notice) {
    Object type = notice.get("type");
    webhooks.send(
        new WebhookSender.Notice(
            URI.create(webhookUrl),
            type == null ? null : type.toString(),
            keyId,
            Json.write(notice)));
  }
}
