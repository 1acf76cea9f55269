package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/OPERATIONS.md's settings table against the command line's own definitions ({@link Setting}):
 * a row per setting, with its flag, value label, environment variable and default, and no row for a
 * setting that does not exist. The table cannot drift from the CLI.
 */
class OperationsDocTest {
  private static final Path DOC = Path.of("..", "docs", "OPERATIONS.md");

  /** The table's rows by environment variable: {flag cell, default cell}. */
  private static Map<String, List<String>> rows() throws Exception {
    Map<String, List<String>> rows = new LinkedHashMap<>();
    boolean inTable = false;
    for (String line : Files.readAllLines(DOC, StandardCharsets.UTF_8)) {
      if (line.startsWith("| flag | environment | default |")) {
        inTable = true;
        continue;
      }
      if (!inTable || line.startsWith("|---")) {
        continue;
      }
      if (!line.startsWith("|")) {
        break;
      }
      String[] cells = line.replace("\\|", "|").split(" \\| ");
      String flag = cells[0].substring(1).strip();
      rows.put(unquote(cells[1]), List.of(unquote(flag), unquote(cells[2])));
    }
    return rows;
  }

  private static String unquote(String cell) {
    String text = cell.strip();
    return text.startsWith("`") && text.endsWith("`") ? text.substring(1, text.length() - 1) : text;
  }

  @Test
  void everySettingHasItsRowWithItsFlagAndDefaultAndNoRowIsStale() throws Exception {
    Map<String, List<String>> rows = rows();

    assertThat(rows.keySet())
        .containsExactlyInAnyOrderElementsOf(
            java.util.Arrays.stream(Setting.values()).map(Setting::env).toList());
    for (Setting setting : Setting.values()) {
      List<String> row = rows.get(setting.env());
      String flag = setting.flag() == null ? "" : "--" + setting.flag() + " " + setting.label();
      assertThat(row.get(0)).as("the flag of %s", setting.env()).isEqualTo(flag);
      if (setting.defaultValue() != null) {
        assertThat(row.get(1))
            .as("the default of %s", setting.env())
            .isEqualTo(setting.defaultValue());
      }
    }
  }
}
