package dev.pouch.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hexagon and the server's parts, stated as rules over the compiled classes of every module.
 */
class ArchitectureTest {
  private static final String ADAPTERS = "dev.pouch.adapters.";
  private static final String SERVER = "dev.pouch.server";

  /** The server's parts; the package {@code dev.pouch.server} itself wires them. */
  private static final String[] SERVER_PARTS = {
    SERVER + ".proxy..",
    SERVER + ".admin..",
    SERVER + ".operations..",
    SERVER + ".security..",
    SERVER + ".http.."
  };

  /** Network, database and web libraries: only adapters and the server may use them. */
  private static final String[] INFRASTRUCTURE = {
    "java.net.http..",
    "java.sql..",
    "javax.sql..",
    "javax.net..",
    "com.sun.net.httpserver..",
    "okhttp3..",
    "okio..",
    "io.javalin..",
    "org.jdbi..",
    "org.sqlite..",
    "org.postgresql..",
    "com.zaxxer.hikari..",
    "io.lettuce..",
    "io.netty..",
    "reactor..",
    "jakarta.servlet..",
    "javax.servlet..",
    "org.eclipse.jetty..",
    "com.fasterxml.jackson..",
    "com.openai..",
    "com.knuddels..",
    "io.micrometer..",
    "ch.qos.logback.."
  };

  /**
   * The adapter-support module {@code pouch-adapters-jdbc}: what the SQL stores share (rows, policy
   * JSON). Not an adapter of its own: the stores may use it; it uses no driver and no adapter.
   */
  private static final String JDBC_SUPPORT = "jdbc";

  /** The adapters that may use {@link #JDBC_SUPPORT}. */
  private static final Set<String> SQL_STORES = Set.of("sqlite", "postgres");

  /** The database drivers and pools: each SQL store its own, the shared support none. */
  private static final String[] DRIVERS = {
    "org.sqlite..", "org.postgresql..", "com.zaxxer.hikari.."
  };

  private static JavaClasses pouch;

  /** Every adapter, one per package under {@code dev.pouch.adapters}: sqlite, openai, … */
  private static Set<String> adapters;

  @BeforeAll
  static void importClasses() {
    pouch =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pouch");
    adapters = new TreeSet<>();
    for (JavaClass javaClass : pouch) {
      String name = javaClass.getPackageName();
      if (name.startsWith(ADAPTERS)) {
        adapters.add(name.substring(ADAPTERS.length()).split("\\.", 2)[0]);
      }
    }
  }

  @Test
  void everyAdapterModuleIsOnTheClasspath() {
    // the server depends on every adapter; a rule over an empty set would prove nothing
    assertThat(adapters)
        .contains("sqlite", "postgres", "redis", JDBC_SUPPORT, "openai", "mock", "webhook");
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
  void theCoreUsesNoHttpClientServerOrDatabase() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.pouch.domain..", "dev.pouch.application..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(INFRASTRUCTURE)
        .because("HTTP and storage belong to adapters behind the ports")
        .check(pouch);
  }

  @Test
  void portsSpeakOnlyDomainAndJdkTypes() {
    classes()
        .that()
        .resideInAPackage("dev.pouch.application.port..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("dev.pouch.application.port..", "dev.pouch.domain..", "java..")
        .because("a port must not expose the application's implementation (proxy, keys, …)")
        .check(pouch);
  }

  @Test
  void noAdapterSeesAnotherAdapterOrTheServer() {
    for (String adapter : adapters) {
      noClasses()
          .that()
          .resideInAPackage(ADAPTERS + adapter + "..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(otherAdapters(adapter))
          .check(pouch);
    }
  }

  @Test
  void onlyTheSqlStoresUseTheJdbcSupport() {
    noClasses()
        .that()
        .resideInAPackage("dev.pouch.adapters..")
        .and()
        .resideOutsideOfPackages(
            Stream.concat(Stream.of(JDBC_SUPPORT), SQL_STORES.stream())
                .map(adapter -> ADAPTERS + adapter + "..")
                .toArray(String[]::new))
        .should()
        .dependOnClassesThat()
        .resideInAPackage(ADAPTERS + JDBC_SUPPORT + "..")
        .check(pouch);
  }

  @Test
  void theJdbcSupportUsesNoDatabaseDriver() {
    noClasses()
        .that()
        .resideInAPackage(ADAPTERS + JDBC_SUPPORT + "..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(DRIVERS)
        .because("SQL that differs between the databases stays in each store")
        .check(pouch);
  }

  @Test
  void onlyTheServerKnowsTheAdapters() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.pouch.domain..", "dev.pouch.application..", "dev.pouch.testkit..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.pouch.adapters..", "dev.pouch.server..")
        .check(pouch);
  }

  @Test
  void theServersPartsDoNotReachBackIntoItsWiringNorKnowTheAdapters() {
    noClasses()
        .that()
        .resideInAnyPackage(SERVER_PARTS)
        .should()
        .dependOnClassesThat(
            JavaClass.Predicates.resideInAPackage(SERVER)
                .and(DescribedPredicate.not(JavaClass.Predicates.simpleNameEndingWith("Config"))))
        .orShould()
        .dependOnClassesThat()
        .resideInAPackage("dev.pouch.adapters..")
        .because("the package dev.pouch.server assembles the parts; they only read its settings")
        .check(pouch);
  }

  @Test
  void theProxyAndTheAdminApiDoNotSeeEachOther() {
    noClasses()
        .that()
        .resideInAPackage(SERVER + ".proxy..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage(SERVER + ".admin..")
        .check(pouch);
    noClasses()
        .that()
        .resideInAPackage(SERVER + ".admin..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage(SERVER + ".proxy..")
        .check(pouch);
  }

  @Test
  void httpAndSecurityDependOnNoOtherPartOfTheServer() {
    for (String leaf : new String[] {SERVER + ".http..", SERVER + ".security.."}) {
      noClasses()
          .that()
          .resideInAPackage(leaf)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              Stream.of(SERVER_PARTS).filter(part -> !part.equals(leaf)).toArray(String[]::new))
          .check(pouch);
    }
  }

  @Test
  void theServersPartsDependOnEachOtherWithoutCycles() {
    slices().matching(SERVER + ".(*)..").should().beFreeOfCycles().check(pouch);
  }

  /**
   * The server's package and every adapter package but {@code self}'s (and, for a SQL store, the
   * JDBC support's).
   */
  private static String[] otherAdapters(String self) {
    return Stream.concat(
            Stream.of("dev.pouch.server.."),
            adapters.stream()
                .filter(adapter -> !adapter.equals(self))
                .filter(adapter -> !(adapter.equals(JDBC_SUPPORT) && SQL_STORES.contains(self)))
                .map(adapter -> ADAPTERS + adapter + ".."))
        .toArray(String[]::new);
  }
}
