;;; emacs_e2e.el --- drive eglot or lsp-mode against grok-lsp, in `emacs --batch'  -*- lexical-binding: t -*-

;; Run by tests/editors/emacs.sh, which checks the lines printed here ("emacs: ...") and the
;; file written. The environment says what to do:
;;   GROK_CONFIG  the README's block for the client, loaded as the user's init file
;;   GROK_CLIENT  eglot | lsp-mode
;;   GROK_FILE    the Python file to edit; GROK_STEPS the steps, separated by spaces:
;;     line        complete the last line (after the word being typed), with completion-at-point
;;     line-company  the same through company, as lsp-mode users have it
;;     block       complete the body of `def total(...)' (a loop, then a dedented `return')
;;     block-company the same through company
;;     fix-line    "Grok: fix this line" on the `== None' line, its edit accepted
;;     refactor    "Grok: add a docstring" on the selected `def total' line
;;     fix-ruff    "Grok: fix" on ruff server's F401 diagnostic for `import os' (lsp-mode)
;;     slow        "Grok: fix this line" while the model takes longer than eglot's 10 s
;;     decline     "Grok: fix this line", its edit declined at eglot's prompt
;; Each UI piece that batch mode cannot show is the function it would call: the prompt that
;; picks an action (`completing-read'), eglot's confirmation (`y-or-n-p').

(require 'cl-lib)
(require 'subr-x)

(defun e2e-say (format-string &rest args)
  (princ (concat "emacs: " (apply #'format format-string args) "\n")))

(defun e2e-fail (format-string &rest args)
  (e2e-say "FAIL %s" (apply #'format format-string args))
  (dolist (buffer (buffer-list))        ; the servers' stderr (grok-lsp's log), the traffic
    (when (string-match-p "stderr\\|lsp-log\\|events" (buffer-name buffer))
      (message "--- %s:\n%s" (buffer-name buffer)
               (with-current-buffer buffer
                 (buffer-substring-no-properties (max (point-min) (- (point-max) 6000))
                                                 (point-max))))))
  (kill-emacs 1))

(defun e2e-wait (what predicate &optional seconds)
  "Let Emacs run (process output, timers) until PREDICATE holds; fail after SECONDS."
  (let ((deadline (+ (float-time) (or seconds 30))))
    (while (not (funcall predicate))
      (when (> (float-time) deadline)
        (e2e-fail "timed out waiting for %s" what))
      (accept-process-output nil 0.05))))

(defvar e2e-messages nil "Every `message' shown, newest first.")
(advice-add 'message :after
            (lambda (format-string &rest args)
              (when format-string
                (push (apply #'format-message format-string args) e2e-messages))))

(defun e2e-message-seen (substring)
  "The latest message shown that has SUBSTRING in it."
  (cl-find-if (lambda (m) (string-search substring m)) e2e-messages))

(defun e2e-line (n)
  "Line N (1-based) of the current buffer, without properties."
  (save-excursion
    (goto-char (point-min))
    (forward-line (1- n))
    (buffer-substring-no-properties (line-beginning-position) (line-end-position))))

(defun e2e-find-line (text)
  "Go to the start of the first line equal to TEXT; its 1-based number."
  (goto-char (point-min))
  (unless (re-search-forward (concat "^" (regexp-quote text) "$") nil t)
    (e2e-fail "no line %S in the buffer" text))
  (beginning-of-line)
  (line-number-at-pos))

;; --- the user's configuration, then the file -------------------------------------------------
(package-activate-all)                  ; as an interactive Emacs does at startup, batch not
(let ((config (getenv "GROK_CONFIG")))
  (load config nil t)
  (e2e-say "loaded %s" (file-name-nondirectory config)))
(setq python-indent-guess-indent-offset nil)

(defvar e2e-client (intern (getenv "GROK_CLIENT")))
(find-file (getenv "GROK_FILE"))
(unless (derived-mode-p 'python-mode) (e2e-fail "not in python-mode"))
(run-hooks 'post-command-hook)        ; eglot-ensure and lsp-deferred start from here

(pcase e2e-client
  ('eglot
   (e2e-wait "eglot to connect" (lambda () (eglot-current-server)))
   (e2e-wait "grok-lsp's capabilities"
             (lambda () (eglot--server-capable :completionProvider))))
  ('lsp-mode
   (e2e-wait "lsp-mode to connect"
             (lambda () (and (bound-and-true-p lsp-mode)
                             (cl-every (lambda (w) (eq (lsp--workspace-status w) 'initialized))
                                       (lsp-workspaces))
                             (lsp-workspaces))))
   (e2e-say "servers: %s"
            (string-join (sort (mapcar (lambda (w) (symbol-name (lsp--workspace-server-id w)))
                                       (lsp-workspaces))
                               #'string<)
                         " "))))
(e2e-say "connected: %s" e2e-client)

;; --- completion ------------------------------------------------------------------------------
(defun e2e-complete (how)
  "Complete at point as the user would: completion-at-point (Emacs 28's default) or company."
  (let ((before (buffer-substring-no-properties (point-min) (point-max))))
    (pcase how
      ('capf (completion-at-point))
      ('company
       (let ((company-frontends nil))       ; no popup to draw in batch mode: pick the first
         (company-manual-begin)
         (e2e-wait "company's candidates" (lambda () company-candidates) 30)
         (company-complete-selection))))
    ;; lsp-mode applies the textEdit from its exit function, after the insertion.
    (e2e-wait "the completion to change the buffer"
              (lambda () (not (equal before (buffer-substring-no-properties
                                             (point-min) (point-max))))))))

(defun e2e-complete-line (how)
  (goto-char (point-max))
  (skip-chars-backward "\n")
  (let ((line (line-number-at-pos)))
    (e2e-complete how)
    (e2e-say "line after accepting (%s): %s" how (e2e-line line))))

(defun e2e-complete-block (how)
  (let ((head (e2e-find-line "def total(prices: list[float]) -> float:")))
    (end-of-line)
    (e2e-complete how)
    (dolist (n (number-sequence head (+ head 4)))
      (e2e-say "block after accepting (%s): %s" how (e2e-line n)))))

;; --- code actions ----------------------------------------------------------------------------
(defvar e2e-confirm t "What the user answers to eglot's \"Server wants to edit\" prompt.")

;; Asked when the edit arrives, from the process filter: answered for as long as Emacs runs.
(advice-add 'y-or-n-p :override
            (lambda (prompt)
              (e2e-say "asked: %s -> %s" (car (split-string prompt "\n")) e2e-confirm)
              e2e-confirm))

(defun e2e-pick-action (title beg end)
  "Offer the code actions for BEG..END as the user's command does, and pick TITLE."
  (cl-letf (((symbol-function 'completing-read)
              (lambda (_prompt collection &rest _)
                (let ((titles (mapcar (lambda (c) (if (consp c) (car c) c)) collection)))
                  (dolist (offered titles) (e2e-say "code action offered: %s" offered))
                  (or (cl-find-if (lambda (c) (string-prefix-p title c)) titles)
                      (e2e-fail "%S not offered" title))))))
    (pcase e2e-client
      ;; As if asked from the keyboard (a mouse event would pop up a menu instead).
      ('eglot (let ((last-nonmenu-event ?\r)) (eglot-code-actions beg end nil t)))
      ('lsp-mode
       (if (= beg end) (deactivate-mark) (set-mark beg) (goto-char end) (activate-mark))
       (let ((lsp-auto-execute-action nil))
         (call-interactively #'lsp-execute-code-action))
       (deactivate-mark)))))

(defun e2e-action (title line-text &optional whole-line seconds)
  "Pick TITLE on the line LINE-TEXT (at its first word, or WHOLE-LINE selected); wait for
the buffer to change, or for SECONDS when the edit is declined."
  (let* ((line (e2e-find-line line-text))
         (before (buffer-substring-no-properties (point-min) (point-max)))
         (started (float-time)))
    (skip-chars-forward " ")
    (if whole-line
        (e2e-pick-action title (line-beginning-position) (line-end-position))
      (e2e-pick-action title (point) (point)))
    (e2e-say "command returned after %.0f s" (- (float-time) started))
    (if (not e2e-confirm)
        (e2e-wait "the declined edit's message"
                  (lambda () (e2e-message-seen "did not apply the edit")) seconds)
      (e2e-wait "the code action's edit"
                (lambda () (not (equal before (buffer-substring-no-properties
                                               (point-min) (point-max)))))
                (or seconds 30)))
    (e2e-say "edit after %.0f s" (- (float-time) started))
    (e2e-say "line %d after the code action: %s" line (e2e-line line))
    (e2e-say "line %d after the code action: %s" (1+ line) (e2e-line (1+ line)))))

(defun e2e-wait-for-ruff ()
  (e2e-wait "ruff server's diagnostics"
            (lambda () (cl-some (lambda (d) (equal (lsp:diagnostic-code? d) "F401"))
                                (lsp-cur-line-diagnostics)))
            30))

;; --- the steps -------------------------------------------------------------------------------
(condition-case error
    (dolist (step (split-string (getenv "GROK_STEPS")))
      (e2e-say "--- %s" step)
      (pcase step
        ("line" (e2e-complete-line 'capf))
        ("line-company" (require 'company) (company-mode 1) (e2e-complete-line 'company))
        ("block" (e2e-complete-block 'capf))
        ("block-company" (require 'company) (company-mode 1) (e2e-complete-block 'company))
        ("fix-line" (e2e-action "Grok: fix this line" "    if x == None:"))
        ("refactor" (e2e-action "Grok: add a docstring"
                                "def total(prices: list[float]) -> float:" t))
        ("fix-ruff" (e2e-find-line "import os") (e2e-wait-for-ruff)
         (e2e-action "Grok: fix — `os` imported but unused" "import os"))
        ("slow" (e2e-action "Grok: fix this line" "    if x == None:" nil 60)
         (e2e-say "asking message: %s" (and (e2e-message-seen "asking Grok for") t)))
        ("decline" (setq e2e-confirm nil)
         (e2e-action "Grok: fix this line" "    if x == None:" nil 30)
         (e2e-say "declined message: %s" (e2e-message-seen "did not apply the edit"))
         (setq e2e-confirm t))
        (_ (e2e-fail "unknown step %s" step))))
  (error (e2e-fail "%s" (error-message-string error))))

(let ((inhibit-message t)) (save-buffer))
(e2e-say "wrote %s" buffer-file-name)
(e2e-say "done")
(kill-emacs 0)
