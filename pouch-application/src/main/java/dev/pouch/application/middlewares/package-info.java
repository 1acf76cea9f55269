/**
 * The built-in middlewares: limits a key's policy can stack in front of its provider. Each is a
 * {@link dev.pouch.domain.chain.MiddlewareFactory} with a schema, registered like any third-party
 * plugin; {@link dev.pouch.application.middlewares.BuiltinMiddlewares#all()} lists them.
 */
package dev.pouch.application.middlewares;
