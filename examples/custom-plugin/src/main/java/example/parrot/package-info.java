/** The custom-plugin example: the Parrot provider and the max_messages middleware. */
package example.parrot;
