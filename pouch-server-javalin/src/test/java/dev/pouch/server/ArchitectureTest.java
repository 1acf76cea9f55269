package dev.pouch.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The hexagon, stated as rules over the compiled classes of every module. */
class ArchitectureTest {
  private static JavaClasses pouch;

  @BeforeAll
  static void importClasses() {
    pouch =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pouch");
  }

  @Test
  void domainDependsOnNothingButTheJdk() {
    classes()
        .that()
        .resideInAPackage("dev.pouch.domain..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "dev.pouch.domain..",
            "java.lang..",
            "java.util..",
            "java.time..",
            "java.math..",
            "java.io..",
            "java.nio.charset..")
        .check(pouch);
  }

  @Test
  void domainUsesNoNetworkOrDatabase() {
    noClasses()
        .that()
        .resideInAPackage("dev.pouch.domain..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.net..", "java.sql..", "java.nio.file..")
        .check(pouch);
  }

  @Test
  void applicationDependsOnlyOnTheDomainAndSlf4j() {
    classes()
        .that()
        .resideInAPackage("dev.pouch.application..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "dev.pouch.application..", "dev.pouch.domain..", "java..", "org.slf4j..")
        .check(pouch);
  }

  @Test
  void noAdapterSeesAnotherAdapterOrTheServer() {
    for (String adapter : new String[] {"sqlite", "openai", "mock"}) {
      noClasses()
          .that()
          .resideInAPackage("dev.pouch.adapters." + adapter + "..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(otherAdapters(adapter))
          .allowEmptyShould(true)
          .check(pouch);
    }
  }

  @Test
  void onlyTheServerKnowsTheAdapters() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.pouch.domain..", "dev.pouch.application..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.pouch.adapters..", "dev.pouch.server..")
        .check(pouch);
  }

  /** The server's package and every adapter package but {@code self}'s. */
  private static String[] otherAdapters(String self) {
    return Stream.concat(
            Stream.of("dev.pouch.server.."),
            Stream.of("sqlite", "openai", "mock")
                .filter(adapter -> !adapter.equals(self))
                .map(adapter -> "dev.pouch.adapters." + adapter + ".."))
        .toArray(String[]::new);
  }
}
