/** The embedding example: Pouch's core behind a plain JDK HttpServer. */
package example.embedded;
