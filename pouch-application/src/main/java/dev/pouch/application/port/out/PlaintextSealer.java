package dev.pouch.application.port.out;

/** {@link SecretSealer#plaintext()}: stores values as given. */
enum PlaintextSealer implements SecretSealer {
  INSTANCE;

  @Override
  public String seal(String plaintext) {
    return plaintext;
  }

  @Override
  public String open(String stored) {
    return stored;
  }

  @Override
  public boolean isSealed(String stored) {
    return true;
  }
}
