/**
 * Webhook adapter: {@link dev.pouch.adapters.webhook.JdkWebhookSender}, a {@link
 * dev.pouch.application.port.out.WebhookSender} over the JDK's HTTP client, which delivers the
 * notices middlewares send through {@link dev.pouch.domain.chain.KeyControl#notify}, retries them
 * ({@link dev.pouch.adapters.webhook.WebhookRetry}) and keeps those it cannot deliver in {@link
 * dev.pouch.application.port.out.UndeliveredNotices}.
 */
package dev.pouch.adapters.webhook;
