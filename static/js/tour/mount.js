// Puts the tour into the page: the Tour and Lecture buttons in the header, the tour panel, the
// experiment card (shown by the chapter that asks for it) and lecture mode. main.js calls
// mountTour() once, before it opens the first session, so a link to a chapter opens that
// chapter's model directly; it renders the experiment card it returns.

import { State } from "../state.js";
import { h } from "../views/dom.js";
import { CHAPTERS } from "./chapters.js";
import { ExperimentView } from "./experiment_view.js";
import { LectureMode } from "./lecture_mode.js";
import { TourPanel, chapterState } from "./tour_panel.js";

const TOUR_KEYS = new Set(["tour", "lecture"]);

/** Does the address name only the tour (#tour=3), not a view of its own (#tour=3&t=7)? */
function onlyTourInHash(hash) {
  const names = (hash || "").replace(/^#/, "").split("&").filter(Boolean).map((p) => p.split("=")[0]);
  return names.every((n) => TOUR_KEYS.has(n));
}

/** state: read only (the controller writes it); emit(name, detail): the page's event bus. */
export function mountTour({ state, controller, emit }) {
  const header = document.querySelector(".site-header");
  const content = document.querySelector(".content");
  const stage = document.getElementById("stage");
  const xpEl = h("section", { class: "xp-card", id: "experiment", hidden: true,
    "aria-label": "The variants experiment" });
  content.insertBefore(xpEl, stage);
  const experiment = new ExperimentView(xpEl, { emit });

  const tourButton = h("button", { type: "button", class: "header-button", id: "tour-button",
    "aria-pressed": "false", "aria-controls": "tour", title: "A guided tour in eight chapters" },
  "Tour");
  const lectureButton = h("button", { type: "button", class: "header-button", id: "lecture-button",
    "aria-pressed": "false", title: "Large type, no controls; → / ← chapters, b black, f full "
      + "screen, Esc leaves" }, "Lecture");
  header.append(h("div", { class: "header-actions" }, tourButton, lectureButton));

  const setFlag = (name, value) => {
    if (state.get(name) !== value) controller.set({ [name]: value });
  };
  const tour = new TourPanel({
    state, controller, diagrams: document.getElementById("diagrams"),
    onChapter: (n, chapter) => {
      tourButton.setAttribute("aria-pressed", String(n > 0));
      experiment.show(Boolean(chapter && chapter.experiment));
      if (n === 0 && lecture) lecture.leave();
    },
  });
  const lecture = new LectureMode({
    tour,
    onChange: (on) => {
      lectureButton.setAttribute("aria-pressed", String(on));
      lectureButton.textContent = on ? "Leave lecture" : "Lecture";
      setFlag("lecture", on);
    },
  });
  tourButton.addEventListener("click", () => tour.toggle());
  lectureButton.addEventListener("click", () => lecture.toggle());

  // A link to a chapter: its state before the first session opens (unless the link also names
  // a view of its own, which was written while reading that chapter and is kept as it is).
  const n = Math.min(state.get("tour"), CHAPTERS.length);
  if (n > 0) {
    if (onlyTourInHash(location.hash)) {
      controller.prepare({ ...chapterState(n), lecture: state.get("lecture") });
      if (controller.models.length) controller.open();
    }
    tour.go(n, { apply: false });
  }
  if (state.get("lecture")) lecture.enter();

  // Typed or pasted addresses: main.js applies the state first; follow its tour keys after.
  window.addEventListener("hashchange", () => setTimeout(() => {
    const wanted = State.fromHash(location.hash).state;
    const chapter = wanted.get("tour");
    if (chapter !== tour.chapter) {
      if (chapter === 0) tour.close();
      else tour.go(chapter, { apply: onlyTourInHash(location.hash) });
    }
    if (wanted.get("lecture") !== lecture.active) lecture.toggle();
  }, 0));

  return { tour, lecture, experiment };
}
