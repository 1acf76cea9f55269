package example.parrot;

import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.UpstreamCall;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A Parrot stream (one word per line, then {@code #usage PROMPT OUTPUT}) turned into OpenAI's SSE
 * chunks. Until the usage line arrives, {@link #usage()} is the words counted so far — exact, since
 * a word is a token — so Pouch can cut the stream if the service overruns the cap.
 */
final class ParrotStream implements UpstreamStream {
  private final InputStream body;
  private final BufferedReader lines;
  private final String id;
  private final long cap;
  private final long promptEstimate;
  private final boolean includeUsage;
  private volatile long words;
  private volatile Usage reported;
  private boolean finished;

  ParrotStream(InputStream body, UpstreamCall call, long promptEstimate, boolean includeUsage) {
    this.body = body;
    this.lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    this.id = "parrot-" + call.requestId();
    this.cap = call.outputCap();
    this.promptEstimate = promptEstimate;
    this.includeUsage = includeUsage;
  }

  @Override
  public byte[] next() throws IOException {
    if (finished) {
      return null;
    }
    String line = lines.readLine();
    if (line == null) {
      throw new IOException("Parrot ended the stream without its usage line");
    }
    if (line.startsWith("#usage ")) {
      String[] counts = line.substring("#usage ".length()).trim().split(" ");
      Usage usage = Usage.reported(Long.parseLong(counts[0]), Long.parseLong(counts[1]));
      reported = usage;
      finished = true;
      ByteArrayOutputStream end = new ByteArrayOutputStream();
      String finish = usage.completionTokens() >= cap ? "length" : "stop";
      end.writeBytes(OpenAiShapes.chunk(id, ParrotProvider.MODEL, null, finish));
      if (includeUsage) {
        end.writeBytes(OpenAiShapes.usageChunk(id, ParrotProvider.MODEL, usage));
      }
      end.writeBytes(OpenAiShapes.done());
      return end.toByteArray();
    }
    String content = words == 0 ? line : " " + line;
    words++;
    return OpenAiShapes.chunk(id, ParrotProvider.MODEL, content, null);
  }

  @Override
  public Usage usage() {
    Usage usage = reported;
    return usage != null ? usage : Usage.counted(promptEstimate, words);
  }

  @Override
  public byte[] cutTrailer() {
    ByteArrayOutputStream end = new ByteArrayOutputStream();
    end.writeBytes(OpenAiShapes.chunk(id, ParrotProvider.MODEL, null, "length"));
    end.writeBytes(OpenAiShapes.done());
    return end.toByteArray();
  }

  @Override
  public byte[] errorEvent(String message) {
    return OpenAiShapes.event(OpenAiShapes.error(message, "upstream_error"));
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException alreadyGone) {
      // closing is best effort: the connection is released either way
    }
  }
}
