package dev.pouch.server;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The command line, on picocli: {@code pouch [serve] [--port N …]} (serve is the default), {@code
 * pouch admin rotate-token [--data DIR]}, {@code pouch backup [--data DIR] [--out FILE]}, {@code
 * pouch apply -f keys.yaml [--url URL] [--dry-run]}, {@code pouch version}, and {@code --help} on
 * each. An unknown or misspelled flag is refused with the closest known one, never ignored. Serve's
 * options are made from {@link Setting}, so flags, environment variables, {@code --help} and the
 * docs agree.
 */
final class PouchCli {
  /** Exit status of a command line that cannot be run as given. */
  static final int USAGE = 2;

  private static final Set<String> ROOT_OPTIONS = Set.of("-h", "--help", "-V", "--version");

  private PouchCli() {}

  /** What the command line asks for: start the server, or stop with this status. */
  sealed interface Outcome {
    record Serve(ServerConfig config) implements Outcome {}

    record Exit(int status) implements Outcome {}
  }

  /**
   * Parses {@code args} and runs what needs no server (help, version, admin commands).
   *
   * @param out where help, the version and a command's results go
   * @param err where errors go
   */
  static Outcome run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    PrintWriter outWriter = new PrintWriter(out, true, StandardCharsets.UTF_8);
    PrintWriter errWriter = new PrintWriter(err, true, StandardCharsets.UTF_8);
    CommandLine cli = commandLine(outWriter, errWriter);
    ParseResult parsed;
    try {
      parsed = cli.parseArgs(withDefaultCommand(args));
    } catch (ParameterException bad) {
      errWriter.println("pouch: " + bad.getMessage());
      suggest(bad, errWriter);
      errWriter.println(
          "Run 'pouch " + commandPath(bad.getCommandLine()) + "--help' for what it takes.");
      return new Outcome.Exit(USAGE);
    }
    if (CommandLine.printHelpIfRequested(parsed)) {
      return new Outcome.Exit(0);
    }
    ParseResult command = parsed.subcommand();
    if (command == null) { // only root options, all handled above
      cli.usage(outWriter);
      return new Outcome.Exit(0);
    }
    switch (command.commandSpec().name()) {
      case "version":
        outWriter.println("pouch " + version());
        return new Outcome.Exit(0);
      case "backup":
        Settings backup = new Settings(given(command), env);
        String target = command.matchedOptionValue("--out", null);
        return new Outcome.Exit(
            BackupCommand.run(
                java.nio.file.Path.of(backup.valueOrDefault(Setting.DATA)).normalize(),
                target == null ? null : java.nio.file.Path.of(target),
                java.time.Clock.systemUTC(),
                out,
                err));
      case "apply":
        return new Outcome.Exit(
            ApplyCommand.run(
                java.nio.file.Path.of(command.<String>matchedOptionValue("--file", null)),
                command.matchedOptionValue("--url", null),
                command.hasMatchedOption("--dry-run"),
                env,
                out,
                err));
      case "admin":
        ParseResult adminCommand = command.subcommand();
        if (adminCommand == null) {
          command.commandSpec().commandLine().usage(errWriter);
          return new Outcome.Exit(USAGE);
        }
        Settings admin = new Settings(given(adminCommand), env);
        return new Outcome.Exit(
            AdminCommand.rotateToken(admin.valueOrDefault(Setting.DATA), env, out, err));
      default:
        try {
          return new Outcome.Serve(
              ServerConfig.parse(new Settings(given(command), env).withConfigFile()));
        } catch (IllegalArgumentException invalid) {
          errWriter.println("pouch: " + invalid.getMessage());
          errWriter.println("Run 'pouch serve --help' for the settings.");
          return new Outcome.Exit(USAGE);
        }
    }
  }

  /**
   * The settings of {@code pouch serve} given as arguments.
   *
   * @throws IllegalArgumentException for arguments serve does not take, or a flag without value
   */
  static Settings serveSettings(String[] args, Map<String, String> env) {
    CommandLine cli = commandLine(null, null);
    try {
      ParseResult parsed = cli.parseArgs(withDefaultCommand(args));
      ParseResult serve = parsed.subcommand();
      if (serve == null || !"serve".equals(serve.commandSpec().name())) {
        throw new IllegalArgumentException("not the settings of pouch serve");
      }
      return new Settings(given(serve), env).withConfigFile();
    } catch (ParameterException bad) {
      throw new IllegalArgumentException(bad.getMessage(), bad);
    }
  }

  /** "Did you mean": picocli's suggestions, else the closest flag by edit distance. */
  private static void suggest(ParameterException bad, PrintWriter err) {
    if (!(bad instanceof UnmatchedArgumentException unmatched)) {
      return;
    }
    if (!unmatched.getSuggestions().isEmpty()) {
      UnmatchedArgumentException.printSuggestions(unmatched, err);
      return;
    }
    Set<String> flags = unmatched.getCommandLine().getCommandSpec().optionsMap().keySet();
    for (String argument : unmatched.getUnmatched()) {
      if (argument.startsWith("--")) {
        String flag = argument.split("=", 2)[0];
        Suggestion.closest(flag, flags)
            .ifPresent(closest -> err.println("Did you mean " + closest + "?"));
        return;
      }
    }
  }

  /** Serve is the default command: {@code pouch --port 9000} is {@code pouch serve --port 9000}. */
  private static String[] withDefaultCommand(String[] args) {
    if (args.length == 0 || (args[0].startsWith("-") && !ROOT_OPTIONS.contains(args[0]))) {
      String[] serve = new String[args.length + 1];
      serve[0] = "serve";
      System.arraycopy(args, 0, serve, 1, args.length);
      return serve;
    }
    return args;
  }

  private static Map<Setting, String> given(ParseResult command) {
    Map<Setting, String> given = new EnumMap<>(Setting.class);
    for (Setting setting : Setting.values()) {
      if (setting.flag() != null && command.hasMatchedOption("--" + setting.flag())) {
        given.put(setting, command.matchedOptionValue("--" + setting.flag(), ""));
      }
    }
    return given;
  }

  private static String commandPath(CommandLine command) {
    StringBuilder path = new StringBuilder();
    for (CommandLine c = command; c != null && c.getParent() != null; c = c.getParent()) {
      path.insert(0, c.getCommandName() + " ");
    }
    return path.toString();
  }

  private static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandSpec root =
        CommandSpec.create()
            .name("pouch")
            .version("pouch " + version())
            .mixinStandardHelpOptions(true);
    root.usageMessage()
        .description(
            "Pouch, a self-hosted OpenAI-compatible LLM gateway whose app keys carry budgets that"
                + " are never overshot.")
        .footer(
            "",
            "Without a command, pouch serves: 'pouch --port 9000' is 'pouch serve --port 9000'.");
    root.addSubcommand("serve", serve());
    CommandSpec admin = CommandSpec.create().name("admin").mixinStandardHelpOptions(true);
    admin.usageMessage().description("Administration of a data folder.");
    CommandSpec rotate = CommandSpec.create().name("rotate-token").mixinStandardHelpOptions(true);
    rotate
        .usageMessage()
        .description(
            "Replace the admin token and print the new one once; the old one stops working at"
                + " once, also on a server running on the same folder.");
    rotate.addOption(option(Setting.DATA));
    admin.addSubcommand("rotate-token", rotate);
    root.addSubcommand("admin", admin);
    CommandSpec backup = CommandSpec.create().name("backup").mixinStandardHelpOptions(true);
    backup
        .usageMessage()
        .description(
            "Copy the data folder's database consistently (also while a server runs on it), by"
                + " default into DATA/backups/pouch-<UTC time>.db.");
    backup.addOption(option(Setting.DATA));
    backup.addOption(
        OptionSpec.builder("--out")
            .paramLabel("FILE")
            .type(String.class)
            .description("where to write the copy (it must not exist)")
            .build());
    root.addSubcommand("backup", backup);
    root.addSubcommand("apply", apply());
    CommandSpec version = CommandSpec.create().name("version").mixinStandardHelpOptions(true);
    version.usageMessage().description("Print the version.");
    root.addSubcommand("version", version);
    CommandLine cli = new CommandLine(root).setUsageHelpWidth(100);
    if (out != null) {
      cli.setOut(out);
      cli.setErr(err);
    }
    return cli;
  }

  private static CommandSpec apply() {
    CommandSpec apply = CommandSpec.create().name("apply").mixinStandardHelpOptions(true);
    apply
        .usageMessage()
        .description(
            "Create or update teams and keys from a YAML file, through a running server's admin"
                + " API (admin token in "
                + Setting.ADMIN_TOKEN.env()
                + "). Teams and keys are matched by name; one that differs is updated, an equal"
                + " one is left unchanged, and keys or teams not in the file are left alone. Upstream"
                + " secrets are read from the environment ({env: VARIABLE}), never from the file."
                + " A created key's secret is printed once.")
        .footer("", "Example keys.yaml: docs/OPERATIONS.md, \"Keys as code\".");
    apply.addOption(
        OptionSpec.builder("-f", "--file")
            .paramLabel("FILE")
            .type(String.class)
            .required(true)
            .description("the keys file (YAML: teams and keys)")
            .build());
    apply.addOption(
        OptionSpec.builder("--url")
            .paramLabel("URL")
            .type(String.class)
            .description(
                "the server (env "
                    + ApplyCommand.URL_ENV
                    + ", default "
                    + ApplyCommand.DEFAULT_URL
                    + ")")
            .build());
    apply.addOption(
        OptionSpec.builder("--dry-run")
            .arity("0")
            .type(boolean.class)
            .description("show what would change, and change nothing")
            .build());
    return apply;
  }

  private static CommandSpec serve() {
    CommandSpec serve = CommandSpec.create().name("serve").mixinStandardHelpOptions(true);
    StringBuilder envOnly = new StringBuilder();
    for (Setting setting : Setting.values()) {
      if (setting.flag() != null) {
        serve.addOption(option(setting));
      } else {
        envOnly.append(String.format("  %-22s %s%n", setting.env(), setting.description()));
      }
    }
    serve
        .usageMessage()
        .description("Run the gateway (the default command).")
        .footer(
            "",
            "Set only in the environment (secrets never go in a process list):",
            envOnly.toString());
    return serve;
  }

  private static OptionSpec option(Setting setting) {
    String dflt = setting.defaultValue() == null ? "" : ", default " + setting.defaultValue();
    return OptionSpec.builder("--" + setting.flag())
        .paramLabel(setting.label())
        .type(String.class)
        .description(setting.description() + " (env " + setting.env() + dflt + ")")
        .build();
  }

  /** The build's version (the jar's manifest), or a development build's name. */
  static String version() {
    String version = PouchCli.class.getPackage().getImplementationVersion();
    return version == null ? "development build" : version;
  }
}
