/**
 * The plugin catalog: the provider and middleware factories this Pouch instance knows, looked up by
 * id, and the validation of key configs against their schemas.
 */
package dev.pouch.application.plugins;
