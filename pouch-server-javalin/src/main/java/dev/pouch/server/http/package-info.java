/**
 * HTTP building blocks shared by every route: request bodies read as bounded JSON, JSON responses,
 * and every failure (Pouch's refusals, Javalin's and Jetty's own) answered in OpenAI's error shape.
 * Depends on no other part of the server.
 *
 * <p><b>Internal</b>: public only for the server's own wiring and may change without notice.
 */
package dev.pouch.server.http;
