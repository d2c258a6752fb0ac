// The kiosk's screen: shows each view the kiosk sends, and sends taps and typed questions.
// Every text from the kiosk is put on the page as text (text nodes), never as markup: an
// answer's emphasis and lists are elements the script makes, around its text.
"use strict";

const STATE_WORDS = {
  idle: "Idle",
  listening: "Listening",
  thinking: "Thinking",
  speaking: "Speaking",
};
const UNSAID = "Shown, not spoken"; // a reply on screen the kiosk could not say (no sound)

const ANSWER_WITHIN_MS = 10000; // a question or a tap the kiosk took shows by then
const SENT_WITHIN_MS = 10000; // a question or a tap is taken by the kiosk by then
const LEFT_TYPED_MS = 60000; // text not typed in for this long, at the rest, is left: cleared
const FOLLOW_MS = 250; // how often the answer's box is kept on the part being said
const HEARD_WITHIN = 2.5; // the server's "alive"s that may go missing before it is thought stuck

const $ = (id) => document.getElementById(id);
let shownTurn = null; // the turn and reply on screen
let shownChoices = null; // the choices on screen, with the turn and reply they are of
let shownSuggestions = null;
let unanswered = null; // the timer for something sent that the kiosk has not shown yet
let views = 0; // views the kiosk has sent this page
let askedAtTurn = null; // the turn on screen when the question being thought about came
let saying = null; // the reply being said: its turn, length and start (performance.now(), ms)
let leftAlone = false; // the visitor has scrolled or touched this reply's box themselves
let events = null; // the kiosk's events
let silence = null; // the timer for the kiosk's events going quiet
let aliveEveryMs = 3000; // how often the server says it is alive (it says so itself)
let suggestionsShown = false; // the questions to try are to show (as many rows as fit)
let resting = true; // the kiosk shows nothing of the last visitor (its questions to try)
let typedAt = -Infinity; // when the question box was last typed in (performance.now(), ms)

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function button(text, onPress, className) {
  const made = document.createElement("button");
  made.type = "button";
  made.dir = "auto"; // a question in Arabic or Hebrew reads from the right, its "?" too
  made.textContent = text;
  if (className) made.className = className;
  made.addEventListener("click", onPress);
  return made;
}

// A text as the kiosk shows it (``markup.py``): its emphasis in <strong> and <em>, its list
// lines in lists, its headings as headings under the page's own (the question, <h1>); each
// piece of it put on the page as text.
function appendSpans(node, spans) {
  for (const span of spans) {
    let piece = document.createTextNode(span.text);
    for (const [marked, tag] of [[span.emphasis, "em"], [span.strong, "strong"]]) {
      if (!marked) continue;
      const wrapped = document.createElement(tag);
      wrapped.appendChild(piece);
      piece = wrapped;
    }
    node.appendChild(piece);
  }
}

function renderLines(node, lines) {
  clear(node);
  let block = null; // the list or heading the last line went into
  let lists = []; // the lists the last item is in, outermost first (a list in an item nests)
  let blank = 0; // blank lines since the last line shown
  let shown = false;
  for (const line of lines) {
    if (line.spans.length === 0) {
      blank += 1;
      continue;
    }
    if (line.heading) {
      block = document.createElement(`H${Math.min(line.heading + 1, 6)}`);
      lists = [];
      appendSpans(block, line.spans);
      node.appendChild(block);
    } else if (line.bullet || line.number !== null) {
      const tag = line.bullet ? "UL" : "OL";
      // An item one deeper than the last goes in a list inside the last item.
      const depth = Math.min(line.depth || 0, lists.length);
      lists = lists.slice(0, depth + 1);
      if (lists.length <= depth || lists[depth].tagName !== tag) {
        const list = document.createElement(tag);
        const parent = depth > 0 ? lists[depth - 1].lastElementChild : node;
        (parent || node).appendChild(list);
        lists[depth] = list;
      }
      block = lists[0];
      const item = document.createElement("li");
      if (line.number !== null) item.value = line.number;
      appendSpans(item, line.spans);
      lists[depth].appendChild(item);
    } else {
      // Lines break as written (the caption keeps line breaks); a list or a heading is a
      // block of its own, with no blank lines around it.
      if (shown && !block) node.appendChild(document.createTextNode("\n".repeat(blank + 1)));
      block = null;
      lists = [];
      appendSpans(node, line.spans);
    }
    blank = 0;
    shown = true;
  }
}

function say(message) {
  $("notice").textContent = message || "";
}

async function post(path, body) {
  const viewsBefore = views;
  try {
    // Not sent at all, the browser's connections to the kiosk all held (six pages open):
    // given up, and said so, rather than waited for without a word. (A controller's
    // timer: AbortSignal.timeout is missing from browsers before 2022, iOS 15's.)
    const giveUp = new AbortController();
    const timer = setTimeout(() => giveUp.abort(), SENT_WITHIN_MS);
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: giveUp.signal,
    }).finally(() => clearTimeout(timer));
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      say(answer.error || "The kiosk could not take that. Please try again.");
      return false;
    }
    say("");
    if (answer.ok && path !== "/stop" && views === viewsBefore) {
      // Taken, but a kiosk whose loop is stuck would show nothing: say so after a while
      // (unless the kiosk has shown something since it was sent: a quick reply can come
      // before the server's word that it took the question).
      clearTimeout(unanswered);
      unanswered = setTimeout(() => {
        say("The kiosk is not answering. Please try again in a moment.");
      }, ANSWER_WITHIN_MS);
    }
    return answer.ok !== false;
  } catch (error) {
    say("The kiosk is not answering. Please try again in a moment.");
    return false;
  }
}

// A button pressed goes (disabled, or hidden with its list) once the kiosk takes it, and the
// keyboard's focus with it: the keyboard goes on from the question box, for the next
// question. Not on a touch screen, whose own keyboard would come up over the answer.
function keepKeyboard(pressed, wasFocused = false) {
  const focused = wasFocused || document.activeElement === pressed;
  if (focused && !window.matchMedia("(pointer: coarse)").matches) $("question").focus();
}

function choose(choice, pressed) {
  keepKeyboard(pressed);
  for (const other of $("choices").querySelectorAll("button")) other.disabled = true;
  pressed.classList.add("chosen");
  // with the turn it was tapped on: a question replaced meanwhile (another page, a question
  // said) is not answered by it, and the buttons come back to choose again
  post("/choose", { choice, turn: Number(document.body.dataset.turn) }).then((taken) => {
    if (taken) return;
    for (const other of $("choices").querySelectorAll("button")) other.disabled = false;
    pressed.classList.remove("chosen");
  });
}

function renderChoices(view) {
  const box = $("choices");
  clear(box);
  const labels = { yes: "Yes", no: "No" }; // as the voice asks
  for (const option of view.options) {
    if (view.kind === "reject") {
      // The questions a reject read out: a tap picks one, as saying "the first one" does.
      box.appendChild(
        button(option.question, (event) => choose(option.choice, event.currentTarget), "suggestion"),
      );
      continue;
    }
    const label = labels[option.choice];
    const made = button(label, (event) => choose(option.choice, event.currentTarget), option.choice);
    if (option.choice === "yes" && option.question) {
      made.setAttribute("aria-label", `Yes: ${option.question}`);
    }
    box.appendChild(made);
  }
  box.hidden = view.options.length === 0;
}

// A long answer scrolls in its box: "More" shows while some of it is out of sight below.
// It is measured with "More" gone, as the button takes room from the answer: an answer that
// fits only without it would otherwise keep it showing, with nothing more to see.
// The keyboard's focus on "More" stays there while there is more (hidden to be measured,
// it would go), and goes on to the question box once the rest is in view.
function showMore() {
  const text = $("caption");
  const more = $("more");
  const focused = document.activeElement === more;
  more.hidden = true;
  const below = text.scrollHeight - text.clientHeight - text.scrollTop;
  more.hidden = $("caption-box").hidden || below < 2;
  if (focused && !more.hidden) more.focus({ preventScroll: true });
  else if (focused) keepKeyboard(more, true);
}

function scrolling() {
  const smooth = window.matchMedia("(prefers-reduced-motion: no-preference)").matches;
  return smooth ? "smooth" : "auto";
}

function readMore() {
  leftAlone = true;
  const text = $("caption");
  text.scrollBy({ top: text.clientHeight * 0.8, behavior: scrolling() });
}

// Where the words being said are in the answer's box (px from the top of its text): the
// reply's share said by now, taken as the same share of the answer's characters.
function sayingAt(text, share) {
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  let left = Math.floor(text.textContent.length * share);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (left < node.length) {
      const range = document.createRange();
      range.setStart(node, left);
      range.setEnd(node, Math.min(node.length, left + 1));
      const rect = range.getBoundingClientRect();
      return rect.top - text.getBoundingClientRect().top + text.scrollTop;
    }
    left -= node.length;
  }
  return text.scrollHeight;
}

// While a reply is said, a long answer's box goes along with it, a few lines at a time: the
// line being said is kept in its upper part. Not once the visitor has scrolled or touched
// it (for that reply), and not smoothly for one who asks for less motion.
function followReply() {
  if (!saying || leftAlone || document.body.dataset.state !== "speaking") return;
  const text = $("caption");
  if (text.scrollHeight - text.clientHeight < 2 || saying.seconds <= 0) return;
  const share = Math.min(1, (performance.now() - saying.since) / 1000 / saying.seconds);
  const at = sayingAt(text, share);
  const line = parseFloat(getComputedStyle(text).lineHeight) || 30;
  const top = text.scrollTop;
  const room = text.clientHeight;
  if (at >= top && at + line <= top + room * 0.7) return; // in view, not yet near the end
  const wanted = Math.max(0, Math.min(at - room * 0.2, text.scrollHeight - room));
  if (Math.abs(wanted - top) >= 2) text.scrollTo({ top: wanted, behavior: scrolling() });
}

function leaveAlone() {
  leftAlone = true;
}

function renderSuggestions(view) {
  // Rebuilt only when they change: every update of the view (the reply ending, say) would
  // otherwise take away the button a visitor has just moved to with the keyboard.
  const key = JSON.stringify(view.suggestions);
  if (key !== shownSuggestions) {
    shownSuggestions = key;
    const list = $("suggestions");
    clear(list);
    for (const question of view.suggestions) {
      const item = document.createElement("li");
      const ask = (event) => {
        keepKeyboard(event.currentTarget);
        post("/ask", { text: question });
      };
      item.appendChild(button(question, ask, "suggestion"));
      list.appendChild(item);
    }
  }
  const unanswered = view.kind === "" || view.kind === "reject" || view.kind === "error";
  // Not under the questions a reject read out, which are nearer the visitor's.
  suggestionsShown = unanswered && view.suggestions.length > 0 && view.options.length === 0;
  fitSuggestions();
}

// Whole rows of questions to try, as many as fit under the reply (a row cut in half looked
// like all there was); none left, no heading either.
function fitSuggestions() {
  const section = $("try");
  const items = [...$("suggestions").children];
  for (const item of items) item.hidden = false;
  section.hidden = !suggestionsShown;
  if (section.hidden) return;
  const bottom = section.getBoundingClientRect().bottom;
  for (const item of items) item.hidden = item.getBoundingClientRect().bottom > bottom + 1;
  section.hidden = items.every((item) => item.hidden);
}

// While the screen rests, the next visitor does not find the last one's half-typed
// question: text left untyped in for a minute goes (someone typing keeps theirs).
function clearLeftText() {
  const input = $("question");
  if (resting && input.value && performance.now() - typedAt >= LEFT_TYPED_MS) input.value = "";
}

// A reply as a screen reader reads it: its title, its paragraphs (their lines joined as
// written), each list item and heading a sentence of its own, given a stop where it has
// none. The box's own text ran them together ("Redness.A swollen joint", "upper back?. How").
function asSentences(title, lines) {
  const sentences = [title];
  let paragraph = [];
  const end = () => {
    sentences.push(paragraph.join(" "));
    paragraph = [];
  };
  for (const line of lines) {
    const text = line.spans.map((span) => span.text).join("").trim();
    const own = Boolean(line.heading || line.bullet || line.number !== null);
    if (!text || own) end();
    if (text) paragraph.push(text);
    if (own) end();
  }
  end();
  return sentences
    .map((text) => text.trim())
    .filter(Boolean)
    .map((text) => (/[.!?:;\u2026]["'\u201d\u2019)\]]*$/.test(text) ? text : `${text}.`))
    .join(" ");
}

function render(view) {
  // While a new question is thought about, the answer on screen is the last one's: it is
  // dimmed (and said to be) until the new reply comes.
  if (view.state !== "thinking") askedAtTurn = null;
  else if (askedAtTurn === null) askedAtTurn = view.turn;
  const earlier = askedAtTurn !== null && view.turn === askedAtTurn;
  $("caption-box").classList.toggle("earlier", earlier);
  $("caption-box").setAttribute("aria-busy", String(earlier));
  // A reply the kiosk could not say is only shown: said so, with no Stop and no progress.
  const unsaid = view.state === "idle" && !view.aloud && Boolean(view.reply);
  const wasSaying = document.body.dataset.state === "speaking";
  document.body.dataset.state = view.state;
  document.body.dataset.kind = view.kind;
  document.body.dataset.turn = view.turn;
  resting = view.kind === "" && !view.reply;
  clearLeftText();
  $("state-word").textContent = unsaid ? UNSAID : STATE_WORDS[view.state] || view.state;
  $("stop").disabled = view.state !== "speaking";
  $("stop").hidden = unsaid || "never" in $("stop").dataset;

  $("heard-line").hidden = !view.heard;
  $("heard-label").textContent = view.hearing
    ? "Hearing"
    : view.chosen
      ? "You chose"
      : view.typed
        ? view.replied
          ? "You replied"
          : "You asked"
        : "I heard";
  $("heard").textContent = view.heard;

  renderLines($("title"), [{ spans: view.title_spans, bullet: false, number: null, heading: 0, depth: 0 }]);
  $("title").hidden = !view.title;
  // A new turn, or another reply under the same number: a kiosk started again counts its
  // turns from 0, and a page that was watching the last one would keep its answer.
  const shown = JSON.stringify([view.turn, view.reply]);
  if (shown !== shownTurn) {
    shownTurn = shown;
    renderLines($("caption"), view.reply_lines);
    // Read out by a screen reader from a region always there: the answer's own box is
    // hidden until the first reply, and a region shown with its words is not read.
    $("said").textContent = asSentences(view.title, view.reply_lines);
    $("caption").scrollTop = 0;
    leftAlone = false;
  }
  // The choices, whenever they change: a "bye" takes a did-you-mean's away under the same
  // reply (they stayed, tapping them did nothing).
  const choices = JSON.stringify([shown, view.kind, view.options]);
  if (choices !== shownChoices) {
    shownChoices = choices;
    renderChoices(view);
  }
  $("caption-box").hidden = !view.reply;
  if (view.state !== "speaking") {
    saying = null;
  } else if (!wasSaying || !saying || saying.turn !== view.turn) {
    // From where the reply is now: a page opened (or reloaded) part-way shows its progress.
    const elapsed = view.elapsed || 0;
    saying = { turn: view.turn, seconds: view.seconds || 0, since: performance.now() - elapsed * 1000 };
    const progress = $("caption-box");
    progress.style.setProperty("--reply-seconds", `${saying.seconds}s`);
    progress.style.setProperty("--reply-elapsed", `${elapsed}s`);
  }
  renderSuggestions(view);
  showMore();
  followReply();
}

function offline(message) {
  say(message);
  // What the kiosk was doing (speaking, thinking) is not known to go on: it may be gone.
  document.body.dataset.state = "offline";
  $("state-word").textContent = "Reconnecting";
  $("stop").disabled = true;
  saying = null;
}

// The server says it is alive every few seconds: a page that hears nothing for two and a
// half times that (a server stopped, or a network that lost the connection without a word)
// says the kiosk is not responding, and connects again (and again, as long as it hears
// nothing); the first view it hears clears it.
function heard() {
  clearTimeout(silence);
  silence = setTimeout(() => {
    offline("The kiosk is not responding. Reconnecting…");
    watch();
  }, aliveEveryMs * HEARD_WITHIN);
}

function watch() {
  if (events) events.close();
  events = new EventSource("/events");
  heard();
  events.addEventListener("alive", (message) => {
    const every = Number(JSON.parse(message.data).every);
    if (every > 0) aliveEveryMs = every * 1000;
    heard();
  });
  events.addEventListener("view", (message) => {
    heard();
    views += 1;
    clearTimeout(unanswered);
    say("");
    render(JSON.parse(message.data));
  });
  events.addEventListener("error", () => offline("Reconnecting to the kiosk…"));
}

document.addEventListener("DOMContentLoaded", () => {
  $("stop").addEventListener("click", (event) => {
    keepKeyboard(event.currentTarget); // it is disabled once the kiosk stops
    post("/stop", {});
  });
  $("more").addEventListener("click", readMore);
  $("caption").addEventListener("scroll", showMore, { passive: true });
  for (const touched of ["wheel", "touchstart", "pointerdown"]) {
    $("caption").addEventListener(touched, leaveAlone, { passive: true });
  }
  window.addEventListener("resize", () => {
    showMore();
    fitSuggestions();
  });
  setInterval(followReply, FOLLOW_MS);
  setInterval(clearLeftText, 1000);
  $("question").addEventListener("input", () => {
    typedAt = performance.now();
  });
  $("ask").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("question");
    const text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    // Emptied as it is sent: a second Enter sends nothing, and what is typed while a slow
    // kiosk takes it is kept (it was added to the question sent, then wiped with it).
    input.value = "";
    if (await post("/ask", { text })) {
      // On a touch screen the on-screen keyboard follows the box: let it go, so the answer
      // has the screen. With a keyboard of its own the box keeps it, for the next question.
      if (window.matchMedia("(pointer: coarse)").matches) input.blur();
    } else {
      // not taken: the question is the visitor's still, before whatever they typed since
      input.value = input.value.trim() ? `${text} ${input.value.trimStart()}` : text;
    }
  });
  watch();
});
