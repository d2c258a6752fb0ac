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

const ANSWER_WITHIN_MS = 10000; // a question or a tap the kiosk took shows by then

const $ = (id) => document.getElementById(id);
let shownTurn = -1;
let shownSuggestions = null;
let unanswered = null; // the timer for something sent that the kiosk has not shown yet
let views = 0; // views the kiosk has sent this page
let askedAtTurn = null; // the turn on screen when the question being thought about came

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function button(text, onPress, className) {
  const made = document.createElement("button");
  made.type = "button";
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
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
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
function keepKeyboard(pressed) {
  if (document.activeElement === pressed && !window.matchMedia("(pointer: coarse)").matches) {
    $("question").focus();
  }
}

function choose(choice, pressed) {
  keepKeyboard(pressed);
  for (const other of $("choices").querySelectorAll("button")) other.disabled = true;
  pressed.classList.add("chosen");
  post("/choose", { choice });
}

function renderChoices(view) {
  const box = $("choices");
  clear(box);
  const labels = { yes: "Yes", other: "The other one", no: "No" };
  for (const option of view.options) {
    if (view.kind === "reject") {
      // The questions a reject read out: a tap picks one, as saying "the first one" does.
      box.appendChild(
        button(option.question, (event) => choose(option.choice, event.currentTarget), "suggestion"),
      );
      continue;
    }
    const label =
      option.choice === "other" ? `${labels.other}: ${option.question}` : labels[option.choice];
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
function showMore() {
  const text = $("caption");
  $("more").hidden = true;
  const below = text.scrollHeight - text.clientHeight - text.scrollTop;
  $("more").hidden = $("caption-box").hidden || below < 2;
}

function readMore() {
  const text = $("caption");
  const smooth = window.matchMedia("(prefers-reduced-motion: no-preference)").matches;
  text.scrollBy({ top: text.clientHeight * 0.8, behavior: smooth ? "smooth" : "auto" });
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
  const show = unanswered && view.suggestions.length > 0 && view.options.length === 0;
  $("try").hidden = !show;
}

function render(view) {
  // While a new question is thought about, the answer on screen is the last one's: it is
  // dimmed (and said to be) until the new reply comes.
  if (view.state !== "thinking") askedAtTurn = null;
  else if (askedAtTurn === null) askedAtTurn = view.turn;
  const earlier = askedAtTurn !== null && view.turn === askedAtTurn;
  $("caption-box").classList.toggle("earlier", earlier);
  $("caption-box").setAttribute("aria-busy", String(earlier));
  document.body.dataset.state = view.state;
  document.body.dataset.kind = view.kind;
  document.body.dataset.turn = view.turn;
  $("state-word").textContent = STATE_WORDS[view.state] || view.state;
  $("stop").disabled = view.state !== "speaking";

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
  if (view.turn !== shownTurn) {
    shownTurn = view.turn;
    renderLines($("caption"), view.reply_lines);
    $("caption").scrollTop = 0;
    renderChoices(view);
  }
  $("caption-box").hidden = !view.reply;
  const progress = $("caption-box");
  progress.style.setProperty("--reply-seconds", `${view.seconds || 0}s`);
  renderSuggestions(view);
  showMore();
}

function watch() {
  const events = new EventSource("/events");
  events.addEventListener("view", (message) => {
    views += 1;
    clearTimeout(unanswered);
    say("");
    render(JSON.parse(message.data));
  });
  events.addEventListener("error", () => {
    say("Reconnecting to the kiosk…");
    // What the kiosk was doing (speaking, thinking) is not known to go on: it may be gone.
    document.body.dataset.state = "offline";
    $("state-word").textContent = "Reconnecting";
    $("stop").disabled = true;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("stop").addEventListener("click", () => post("/stop", {}));
  $("more").addEventListener("click", readMore);
  $("caption").addEventListener("scroll", showMore, { passive: true });
  window.addEventListener("resize", showMore);
  $("ask").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("question");
    const text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    if (await post("/ask", { text })) {
      input.value = "";
      // On a touch screen the on-screen keyboard follows the box: let it go, so the answer
      // has the screen. With a keyboard of its own the box keeps it, for the next question.
      if (window.matchMedia("(pointer: coarse)").matches) input.blur();
    }
  });
  watch();
});
