-- Runs the nvim-dap configuration of docs/neovim.md with the real nvim-dap against
-- `rewind dap`, in headless Neovim (0.7 or later). .ci/neovim-test.sh sets it up and runs
--   nvim --headless -u NONE -i NONE -n -c 'luafile tests/neovim/nvim_dap_test.lua' -c 'cquit 3'
-- It exits 0 when every check passes and 1 otherwise, naming the failed checks on stderr
-- (3, from the trailing cquit, means the script itself broke before it could report).
--
-- The environment (set by .ci/neovim-test.sh):
--   REWIND_NVIM_DAP    nvim-dap's directory (0.6.0: the last release for Neovim 0.7);
--                      it goes first on 'runtimepath', its plugin/dap.lua is sourced.
--   REWIND_TEST_BIN    the rewind executable that `rewind` on PATH must resolve to: the
--                      documentation says `command = 'rewind'`, the script puts the built
--                      binary on PATH under that name rather than editing the page.
--   REWIND_DIR         an empty directory: where the session's recording goes, and so
--                      where "Replay a recording" must offer `latest`.
--   REWIND_NEOVIM_DOC  the Markdown page to run (default: docs/neovim.md).
--
-- The ```lua blocks of the page run as written. Then, by typing the page's keys and
-- commands, a session records fixtures/build/loop and moves through it; at every stop
-- the test reads where nvim-dap is (its session's current frame, the cursor, the
-- DapStopped sign) and the variables (scopes/variables requests through nvim-dap's
-- session) and compares them with loop.c, run here as a Lua model (lines found by their
-- /* LINE:name */ markers). The model is checked first against what the program printed
-- (nvim-dap's REPL shows it). Every wait is vim.wait with a timeout that fails the check.

local stdout, stderr = io.stdout, io.stderr
local function say(line)
  stdout:write(line, '\n')
  stdout:flush()
end

local function script_dir()
  local source = debug.getinfo(1, 'S').source
  if source:sub(1, 1) == '@' then
    return vim.fn.fnamemodify(source:sub(2), ':p:h')
  end
  return vim.fn.getcwd() .. '/tests/neovim'
end

local function env(name)
  local value = os.getenv(name)
  if value == '' then
    return nil
  end
  return value
end

local repo = vim.loop.fs_realpath(script_dir() .. '/../..') or (script_dir() .. '/../..')
local doc_path = env('REWIND_NEOVIM_DOC') or (repo .. '/docs/neovim.md')
local nvim_dap_dir = env('REWIND_NVIM_DAP')
local rewind_bin = env('REWIND_TEST_BIN')
local recordings = env('REWIND_DIR')
local fixture_source = repo .. '/fixtures/src/loop.c'
local fixture_program = repo .. '/fixtures/build/loop'

-- Timeouts (ms). Generous: they only matter when something is wrong, and the machine
-- may be busy. The launch records the program before the first stop.
local LAUNCH_MS = 45000
local STOP_MS = 20000
local REQUEST_MS = 10000
local EXIT_MS = 10000

-- ---------------------------------------------------------------------------------
-- Checks.

local passed, failed = 0, {}
local notifications = {} -- every vim.notify, from nvim-dap and from the page's code
local session_broken = nil -- the first failed step of the session: later steps are skipped

local function fail(message)
  error(message, 0)
end

local function expect(condition, message)
  if not condition then
    fail(message)
  end
end

local function expect_equal(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    fail(('%s: expected %s, got %s'):format(what, vim.inspect(expected), vim.inspect(actual)))
  end
end

-- Passes go to stdout, failures (with what went wrong) to stderr.
local function report_failure(description, message)
  table.insert(failed, description)
  stdout:flush()
  stderr:write('FAIL ' .. description .. '\n')
  for line in tostring(message):gmatch('[^\n]+') do
    stderr:write('       ' .. line .. '\n')
  end
  stderr:flush()
end

-- Runs one check. `allowed_errors`: patterns of ERROR notifications the check expects;
-- any other ERROR notification during the check fails it.
local function check(description, fn, allowed_errors)
  local first_note = #notifications + 1
  local ok, err = xpcall(fn, function(e)
    if type(e) == 'string' and not e:find('\n') and e:find('^[^:]+%.lua:%d+:') then
      return debug.traceback(e, 2)
    end
    return e
  end)
  if ok then
    for i = first_note, #notifications do
      local note = notifications[i]
      if note.level == vim.log.levels.ERROR then
        local allowed = false
        for _, pattern in ipairs(allowed_errors or {}) do
          allowed = allowed or note.message:find(pattern) ~= nil
        end
        if not allowed then
          ok, err = false, 'an error was reported: ' .. note.message
          break
        end
      end
    end
  end
  if ok then
    passed = passed + 1
    say('ok   ' .. description)
  else
    report_failure(description, err)
  end
  return ok
end

-- A step of the debug session: each depends on the ones before, so after a failure the
-- rest are skipped (and named).
local function step(description, fn, allowed_errors)
  if session_broken then
    say('skip ' .. description .. ' (after the failure of: ' .. session_broken .. ')')
    return false
  end
  if not check(description, fn, allowed_errors) then
    session_broken = description
    return false
  end
  return true
end

local function finish()
  say(('neovim: %d passed, %d failed'):format(passed, #failed))
  if #failed > 0 then
    stderr:write(('neovim: %d check(s) failed: %s\n'):format(#failed, table.concat(failed, '; ')))
    stderr:flush()
    vim.cmd('cquit 1')
  else
    vim.cmd('qall!')
  end
end

local function read_file(path)
  local file, err = io.open(path, 'r')
  if not file then
    fail('cannot read ' .. path .. ': ' .. tostring(err))
  end
  local text = file:read('*a')
  file:close()
  return text
end

local function realpath(path)
  return vim.loop.fs_realpath(path) or path
end

-- ---------------------------------------------------------------------------------
-- Neovim: notifications, prompts and keys.

vim.notify = function(message, level)
  table.insert(notifications, { message = tostring(message), level = level })
end

local function notes_since(first)
  local lines = {}
  for i = first, #notifications do
    table.insert(lines, ('[%s] %s'):format(tostring(notifications[i].level), notifications[i].message))
  end
  return lines
end

local function expect_notified(first, level, pattern)
  for i = first, #notifications do
    local note = notifications[i]
    if note.level == level and note.message:find(pattern) then
      return note
    end
  end
  fail(('expected a notification (level %s) matching %q; got: %s'):format(
    tostring(level), pattern, vim.inspect(notes_since(first))))
end

-- vim.fn.input, as the configurations call it: `answer(prompt, default, completion)`
-- gives the reply; the prompts are recorded.
local prompts = {}
local answer_input = nil
vim.fn.input = function(prompt, default, completion)
  table.insert(prompts, { prompt = prompt, default = default, completion = completion })
  if answer_input == nil then
    error('unexpected prompt: ' .. tostring(prompt))
  end
  return answer_input(prompt, default, completion)
end

-- vim.ui.select, as nvim-dap asks for a configuration: picks the one named `pick_name`.
local pick_name = nil
local offered = nil
local picked = nil
vim.ui.select = function(items, opts, on_choice)
  offered = {}
  local chosen = nil
  for _, item in ipairs(items) do
    local label = opts and opts.format_item and opts.format_item(item) or tostring(item)
    table.insert(offered, label)
    if pick_name and label == pick_name then
      chosen = item
    end
  end
  picked = chosen
  on_choice(chosen)
end


local function leader()
  local value = vim.g.mapleader
  if value == nil or value == '' then
    return '\\'
  end
  return value
end

local function keys(lhs)
  return vim.api.nvim_replace_termcodes(lhs:gsub('<[Ll]eader>', leader()), true, true, true)
end

-- Types keys as a user would: the page's mappings run.
local function type_keys(lhs)
  vim.api.nvim_feedkeys(keys(lhs), 'mx', false)
end

-- <F5> when there is no session: nvim-dap offers the configurations (vim.ui.select,
-- answered at once), then starts the one picked.
local function start_session()
  picked = nil
  type_keys('<F5>')
  expect(picked ~= nil, ('nvim-dap did not offer %q; it offered %s'):format(pick_name, vim.inspect(offered)))
end

local function all_keymaps()
  local maps = {}
  for _, mode in ipairs({ 'n', 'v', 'x', 's', 'o', 'i', 'c', 't' }) do
    for _, map in ipairs(vim.api.nvim_get_keymap(mode)) do
      maps[mode .. ' ' .. keys(map.lhs)] = map
    end
  end
  return maps
end

-- ---------------------------------------------------------------------------------
-- The fixture: loop.c's marked lines, and the program run as a Lua model.

local source_lines = {}
local function marker(name)
  for number, line in ipairs(source_lines) do
    if line:find('/* LINE:' .. name .. ' */', 1, true) then
      return number
    end
  end
  fail(('no /* LINE:%s */ marker in %s'):format(name, fixture_source))
end

-- The first line after `from` that closes a function (`}` in the first column).
local function closing_brace_after(from)
  for number = from + 1, #source_lines do
    if source_lines[number]:match('^}') then
      return number
    end
  end
  fail('no closing brace after line ' .. from .. ' of ' .. fixture_source)
end

local iterations = nil -- from `i < N` on the loop_head line

-- loop.c's state at LINE:loop_body of iteration k, before `step(i)` is called:
--   step(x): doubled = x * 2; total += doubled; return doubled + 1
--   main:    r = step(i); p.x += r; p.y = p.y * 2 + i
local function before_iteration(k)
  local total, x, y = 0, 0, 0
  for i = 0, k - 1 do
    local doubled = i * 2
    total = total + doubled
    x = x + doubled + 1
    y = y * 2 + i
  end
  return { i = k, total = total, ['p.x'] = x, ['p.y'] = y }
end

-- What the model says loop prints.
local function model_output()
  local lines = {}
  for i = 0, iterations - 1 do
    local after = before_iteration(i + 1)
    table.insert(lines, ('i=%d r=%d total=%d p=(%d,%d)'):format(i, 2 * i + 1, after.total, after['p.x'], after['p.y']))
  end
  local final = before_iteration(iterations)
  table.insert(lines, ('done total=%d p=(%d,%d)'):format(final.total, final['p.x'], final['p.y']))
  return lines
end

-- ---------------------------------------------------------------------------------
-- Loading nvim-dap and running the page.

local version = vim.version()
say(('neovim: nvim-dap from %s, the configuration of %s, on Neovim %d.%d.%d'):format(
  tostring(nvim_dap_dir), doc_path, version.major, version.minor, version.patch))

local dap = nil
local blocks_ran = false
local keymaps_before, commands_before = nil, nil
local other_c_configuration = { type = 'gdb', request = 'launch', name = 'someone else' }

check('the real nvim-dap loads from REWIND_NVIM_DAP', function()
  expect(nvim_dap_dir ~= nil, 'REWIND_NVIM_DAP is not set (run .ci/neovim-test.sh)')
  expect(vim.fn.filereadable(nvim_dap_dir .. '/lua/dap.lua') == 1, 'no lua/dap.lua in ' .. nvim_dap_dir)
  vim.opt.runtimepath:prepend(nvim_dap_dir)
  -- `-u NONE` leaves filetype detection off; a user's Neovim has it on, and nvim-dap
  -- picks the configurations by the buffer's filetype.
  vim.cmd('filetype on')
  -- As when nvim-dap is installed as a plugin: plugin/dap.lua defines its :Dap commands.
  vim.cmd('runtime plugin/dap.lua')
  dap = require('dap')
  local where = debug.getinfo(dap.continue, 'S').source
  expect(where:find(realpath(nvim_dap_dir) .. '/lua/dap.lua', 1, true) ~= nil
      or where:find(nvim_dap_dir .. '/lua/dap.lua', 1, true) ~= nil,
    'require("dap") is not the nvim-dap of ' .. nvim_dap_dir .. ': ' .. where)
  -- nvim-dap's own log (stdpath('cache')/dap.log), which .ci/neovim-test.sh shows on failure.
  dap.set_log_level('DEBUG')
  -- A configuration set up before the page's code runs: it must be kept.
  dap.configurations.c = { other_c_configuration }
end)

if dap then
  keymaps_before = all_keymaps()
  commands_before = vim.api.nvim_get_commands({})

  -- The ```lua blocks of a Markdown text: { code = ..., first_line = N } (N: the
  -- block's first line of code, so that errors point at the page's own lines).
  local function lua_blocks(text)
    local blocks, current = {}, nil
    local number = 0
    for line in (text .. '\n'):gmatch('(.-)\r?\n') do
      number = number + 1
      if current == nil then
        if line:match('^%s*```%s*lua%s*$') then
          current = { lines = {}, first_line = number + 1 }
        end
      elseif line:match('^%s*```%s*$') then
        table.insert(blocks, { code = table.concat(current.lines, '\n'), first_line = current.first_line })
        current = nil
      else
        table.insert(current.lines, line)
      end
    end
    if current ~= nil then
      fail('a ```lua block starting at line ' .. (current.first_line - 1) .. ' is never closed')
    end
    return blocks
  end

  blocks_ran = check('the page\'s ```lua blocks run without error', function()
    local blocks = lua_blocks(read_file(doc_path))
    expect(#blocks > 0, 'no ```lua block in ' .. doc_path)
    for index, block in ipairs(blocks) do
      local chunk, err = (loadstring or load)(string.rep('\n', block.first_line - 1) .. block.code, '@' .. doc_path)
      if not chunk then
        fail(('block %d does not compile: %s'):format(index, err))
      end
      local ok, run_err = xpcall(chunk, debug.traceback)
      if not ok then
        fail(('block %d fails: %s'):format(index, run_err))
      end
    end
  end)
end

if not blocks_ran then
  finish()
  return
end

-- ---------------------------------------------------------------------------------
-- The configuration, before any session.

local islist = vim.islist or vim.tbl_islist -- vim.islist: Neovim 0.10+

-- Launch fields of docs/dap.md and their JSON types.
local launch_fields = {
  type = 'string', request = 'string', name = 'string', program = 'string', args = 'list',
  cwd = 'string', env = 'object', stopOnEntry = 'boolean', trace = 'string', traceDir = 'string',
  stdin = 'string',
}

local function expect_valid_launch(configuration, what)
  for field, value in pairs(configuration) do
    local kind = launch_fields[field]
    expect(kind ~= nil, ('%s: field %q is not a launch argument of docs/dap.md'):format(what, field))
    if kind == 'list' then
      expect(islist(value), ('%s: %s must be a list'):format(what, field))
      for _, item in ipairs(value) do
        expect(type(item) == 'string', ('%s: %s must hold strings'):format(what, field))
      end
    elseif kind == 'object' then
      expect(type(value) == 'table' and next(value) ~= nil,
        ('%s: %s must be a non-empty table (an empty one is sent as a JSON array)'):format(what, field))
    elseif type(value) ~= 'function' then
      expect(type(value) == kind, ('%s: %s must be a %s, not %s'):format(what, field, kind, type(value)))
    end
  end
end

local function find_configuration(filetype, name_prefix)
  for _, configuration in ipairs(dap.configurations[filetype] or {}) do
    if type(configuration) == 'table' and type(configuration.name) == 'string'
        and configuration.name:sub(1, #name_prefix) == name_prefix then
      return configuration
    end
  end
  fail(('dap.configurations.%s has no configuration named "%s…"'):format(filetype, name_prefix))
end

local record_name, replay_name = nil, nil

check('dap.adapters.rewind runs `rewind dap`, and `rewind` on PATH is the rewind under test', function()
  local adapter = dap.adapters.rewind
  expect(type(adapter) == 'table', 'dap.adapters.rewind is not a table: ' .. vim.inspect(adapter))
  expect_equal(adapter.type, 'executable', 'dap.adapters.rewind.type')
  expect_equal(adapter.args, { 'dap' }, 'dap.adapters.rewind.args')
  expect(type(adapter.command) == 'string' and adapter.command:match('rewind$') ~= nil,
    'dap.adapters.rewind.command should name the rewind executable, got ' .. vim.inspect(adapter.command))
  expect(rewind_bin ~= nil, 'REWIND_TEST_BIN is not set (run .ci/neovim-test.sh)')
  local found = vim.fn.exepath(adapter.command)
  expect(found ~= '', ('%q is not found on PATH'):format(adapter.command))
  expect_equal(realpath(found), realpath(rewind_bin), ('the %q that nvim-dap will run'):format(adapter.command))
end)

for _, filetype in ipairs({ 'c', 'cpp', 'rust' }) do
  check(('dap.configurations.%s: "Record and debug" and "Replay a recording", after the earlier ones'):format(filetype),
    function()
      local record = find_configuration(filetype, 'Record and debug')
      expect_equal(record.type, 'rewind', 'type')
      expect_equal(record.request, 'launch', 'request')
      expect(record.trace == nil, 'a configuration that records must not have a trace')
      expect(type(record.program) == 'function' or type(record.program) == 'string', 'program must be a function or a string')
      expect_valid_launch(record, 'Record and debug')
      local replay = find_configuration(filetype, 'Replay a recording')
      expect_equal(replay.type, 'rewind', 'type')
      expect_equal(replay.request, 'launch', 'request')
      expect(replay.program == nil, 'a replay must not have a program')
      expect(type(replay.trace) == 'function' or type(replay.trace) == 'string', 'trace must be a function or a string')
      expect_valid_launch(replay, 'Replay a recording')
      record_name, replay_name = record.name, replay.name
    end)
end

check('dap.configurations.c keeps the configurations that were there before', function()
  expect(rawequal(dap.configurations.c[1], other_c_configuration),
    'the configuration set up before is gone: ' .. vim.inspect(dap.configurations.c))
end)

local function with_env(values, fn)
  local saved = {}
  for name, value in pairs(values) do
    saved[name] = os.getenv(name)
    vim.env[name] = value or nil
  end
  local ok, err = pcall(fn)
  for name in pairs(values) do
    vim.env[name] = saved[name]
  end
  if not ok then
    error(err, 0)
  end
end

check('"Replay a recording" offers <recordings>/latest: $REWIND_DIR, $XDG_DATA_HOME/rewind, ~/.local/share/rewind',
  function()
    local replay = find_configuration('c', 'Replay a recording')
    expect(type(replay.trace) == 'function', 'trace is not a prompt')
    local cases = {
      { env = { REWIND_DIR = '/r', XDG_DATA_HOME = '/x', HOME = '/h' }, default = '/r/latest' },
      { env = { REWIND_DIR = '', XDG_DATA_HOME = '/x', HOME = '/h' }, default = '/x/rewind/latest' },
      { env = { REWIND_DIR = false, XDG_DATA_HOME = '/x', HOME = '/h' }, default = '/x/rewind/latest' },
      { env = { REWIND_DIR = false, XDG_DATA_HOME = '', HOME = '/h' }, default = '/h/.local/share/rewind/latest' },
      { env = { REWIND_DIR = false, XDG_DATA_HOME = false, HOME = '/h' }, default = '/h/.local/share/rewind/latest' },
    }
    for _, case in ipairs(cases) do
      with_env(case.env, function()
        prompts = {}
        answer_input = function() return '/some/recording' end
        local trace = replay.trace()
        answer_input = nil
        expect_equal(trace, '/some/recording', 'trace (the answer to its prompt)')
        expect(#prompts == 1, 'trace should ask once, asked ' .. #prompts .. ' times')
        expect_equal(prompts[1].default, case.default, 'the default of the trace prompt with ' .. vim.inspect(case.env))
        expect_equal(prompts[1].completion, 'dir', 'the completion of the trace prompt')
      end)
    end
  end)

local user_commands = { 'RewindEvent', 'RewindGoto', 'RewindBookmark', 'RewindGotoBookmark' }
local keymaps_used = { '<F5>', '<F9>', '<F10>', '<F11>', '<F12>', '<Leader>db', '<Leader>dc', '<Leader>di', '<Leader>do' }

check('every mapping and command the page defines is exercised by this test', function()
  local used = {}
  for _, lhs in ipairs(keymaps_used) do
    used['n ' .. keys(lhs)] = true
  end
  local unused = {}
  for key, map in pairs(all_keymaps()) do
    if keymaps_before[key] == nil and not used[key] then
      table.insert(unused, ('mapping %s (mode %s)'):format(map.lhs, map.mode))
    end
  end
  for _, lhs in ipairs(keymaps_used) do
    if all_keymaps()['n ' .. keys(lhs)] == nil then
      table.insert(unused, 'the page no longer maps ' .. lhs)
    end
  end
  local known = {}
  for _, name in ipairs(user_commands) do
    known[name] = true
  end
  local now = vim.api.nvim_get_commands({})
  for name in pairs(now) do
    if commands_before[name] == nil and not known[name] then
      table.insert(unused, 'command :' .. name)
    end
  end
  for _, name in ipairs(user_commands) do
    if now[name] == nil then
      table.insert(unused, 'the page no longer defines :' .. name)
    end
  end
  table.sort(unused)
  expect(#unused == 0, 'not covered by tests/neovim/nvim_dap_test.lua: ' .. table.concat(unused, ', '))
end)

check('without a session, the reverse steps and the :Rewind commands warn and nvim-dap starts nothing', function()
  expect(dap.session() == nil, 'nvim-dap already has a session')
  for _, action in ipairs({ '<Leader>di', '<Leader>do', ':RewindEvent', ':RewindGoto 1', ':RewindBookmark',
    ':RewindGotoBookmark 1' }) do
    local first = #notifications + 1
    if action:sub(1, 1) == ':' then
      vim.cmd(action:sub(2))
    else
      type_keys(action)
    end
    expect_notified(first, vim.log.levels.WARN, 'no rewind debug session')
    expect(dap.session() == nil, action .. ' started a session')
  end
end)

check('the fixture: loop.c has its markers, and fixtures/build/loop is built', function()
  source_lines = vim.split(read_file(fixture_source), '\n', { plain = true })
  for _, name in ipairs({ 'step_body', 'step_total', 'step_return', 'loop_head', 'loop_body', 'point_x' }) do
    marker(name)
  end
  iterations = tonumber(source_lines[marker('loop_head')]:match('i < (%d+)'))
  expect(iterations ~= nil and iterations >= 6, 'cannot read the iteration count on the loop_head line')
  expect(vim.fn.executable(fixture_program) == 1, fixture_program .. ' is not built (bash fixtures/build.sh)')
end)

-- ---------------------------------------------------------------------------------
-- The session.

local stopped_events, exited_events = {}, {}
local stack_responses, set_breakpoints_responses = 0, 0
local output = {} -- output events: { category, output }

dap.listeners.after.event_stopped['rewind-test'] = function(_, body)
  table.insert(stopped_events, body)
end
dap.listeners.after.event_exited['rewind-test'] = function(_, body)
  table.insert(exited_events, body)
end
dap.listeners.after.event_output['rewind-test'] = function(_, body)
  table.insert(output, body)
end
dap.listeners.after.stackTrace['rewind-test'] = function()
  stack_responses = stack_responses + 1
end
dap.listeners.after.setBreakpoints['rewind-test'] = function()
  set_breakpoints_responses = set_breakpoints_responses + 1
end

local function wait_for(ms, condition, what)
  if not vim.wait(ms, condition, 10) then
    fail(('%s (waited %d ms)'):format(what, ms))
  end
end

local function current_session()
  local session = dap.session()
  expect(session ~= nil, 'nvim-dap has no session')
  return session
end

-- A request through nvim-dap's session, waited for.
local function request(command, arguments)
  local session = current_session()
  local done, err, body = false, nil, nil
  session:request(command, arguments, function(e, b)
    done, err, body = true, e, b
  end)
  wait_for(REQUEST_MS, function() return done end, ('no response to %s'):format(command))
  if err then
    fail(('%s failed: %s'):format(command, type(err) == 'table' and tostring(err.message) or tostring(err)))
  end
  return body
end

-- Does `action`, then waits for the one stop it causes and for nvim-dap to show it (its
-- stackTrace answered: current_frame set, the cursor moved). A session that ends instead
-- (a failed launch, a terminated event) fails at once.
local function move(action, timeout)
  local stops, stacks, first_note = #stopped_events, stack_responses, #notifications + 1
  local session = dap.session()
  action()
  if not vim.wait(timeout or STOP_MS, function()
    session = session or dap.session()
    return #stopped_events > stops or (session ~= nil and session.closed)
  end, 10) then
    fail(('no stopped event within %d ms; notifications: %s'):format(timeout or STOP_MS,
      vim.inspect(notes_since(first_note))))
  end
  if #stopped_events == stops then
    fail('the session ended instead of stopping; notifications: '
      .. vim.inspect(notes_since(first_note)) .. '; output: ' .. vim.inspect(output))
  end
  wait_for(STOP_MS, function() return stack_responses > stacks end, 'nvim-dap got no stack trace for the stop')
  expect(#stopped_events == stops + 1, ('one move, %d stopped events'):format(#stopped_events - stops))
  return stopped_events[#stopped_events]
end

local fixture_buffer = nil

local function open_fixture()
  vim.cmd('edit ' .. vim.fn.fnameescape(fixture_source))
  fixture_buffer = vim.api.nvim_get_current_buf()
  return fixture_buffer
end

-- <F9> on a line of loop.c, as a user would: go to the buffer and the line, type the key.
local function toggle_breakpoint_at(line)
  if vim.api.nvim_get_current_buf() ~= fixture_buffer then
    vim.api.nvim_set_current_buf(fixture_buffer)
  end
  vim.api.nvim_win_set_cursor(0, { line, 0 })
  type_keys('<F9>')
end

local function breakpoint_lines()
  local lines = {}
  for _, bp in ipairs(require('dap.breakpoints').get(fixture_buffer)[fixture_buffer] or {}) do
    table.insert(lines, bp.line)
  end
  table.sort(lines)
  return lines
end

-- The variables of the current frame (Locals and Globals), by name; a struct's fields
-- as `name.field`.
local function frame_values(session)
  local values = {}
  local scopes = request('scopes', { frameId = session.current_frame.id }).scopes
  for _, scope in ipairs(scopes) do
    if scope.name == 'Locals' or scope.name == 'Globals' then
      for _, variable in ipairs(request('variables', { variablesReference = scope.variablesReference }).variables) do
        values[variable.name] = variable.value
        if (variable.variablesReference or 0) > 0 then
          local fields = request('variables', { variablesReference = variable.variablesReference }).variables
          for _, field in ipairs(fields) do
            values[variable.name .. '.' .. field.name] = field.value
          end
        end
      end
    end
  end
  return values
end

-- Checks where the session stands: `want` = { reason?, func, line, values, caller? }.
local function expect_stop(stop, want)
  local session = current_session()
  if want.reason then
    expect_equal(stop.reason, want.reason, 'the reason of the stop')
  end
  expect_equal(session.stopped_thread_id, stop.threadId, "nvim-dap's stopped thread")
  local frame = session.current_frame
  expect(frame ~= nil, 'nvim-dap has no current frame')
  expect_equal(frame.name, want.func, 'the function of the current frame')
  expect_equal(frame.line, want.line, ('the line of the current frame (%s)'):format(source_lines[want.line] or '?'))
  expect(frame.source and frame.source.path, 'the current frame has no source path')
  expect_equal(realpath(frame.source.path), realpath(fixture_source), 'the source of the current frame')
  -- What the user sees: loop.c in the window, the cursor and the DapStopped sign on the line.
  expect_equal(realpath(vim.api.nvim_buf_get_name(0)), realpath(fixture_source), 'the buffer in the window')
  expect_equal(vim.api.nvim_win_get_cursor(0)[1], want.line, 'the cursor line')
  local signs = vim.fn.sign_getplaced(vim.api.nvim_get_current_buf(), { group = session.sign_group })[1].signs
  expect(#signs == 1 and signs[1].name == 'DapStopped' and signs[1].lnum == want.line,
    'the DapStopped sign should be on line ' .. want.line .. ', signs: ' .. vim.inspect(signs))
  if want.caller then
    local frames = session.threads[stop.threadId].frames
    expect(frames and frames[2] and frames[2].name == want.caller,
      ('the caller should be %s, the stack is %s'):format(want.caller,
        vim.inspect(vim.tbl_map(function(f) return f.name end, frames or {}))))
  end
  local values = frame_values(session)
  local names = vim.tbl_keys(want.values)
  table.sort(names)
  for _, name in ipairs(names) do
    expect(values[name] ~= nil, ('no variable %s at this stop (have: %s)'):format(name,
      table.concat(vim.tbl_keys(values), ', ')))
    expect_equal(tonumber(values[name]), want.values[name], ('%s (shown as %q)'):format(name, values[name]))
  end
end

-- :RewindEvent's answer, as the page shows it: event, count, complete, bookmark lines.
local function rewind_event()
  local first = #notifications + 1
  vim.cmd('RewindEvent')
  wait_for(REQUEST_MS, function()
    for i = first, #notifications do
      if notifications[i].message:find('^rewind: event') then
        return true
      end
    end
    return false
  end, ':RewindEvent showed nothing; notifications: ' .. vim.inspect(notes_since(first)))
  for i = first, #notifications do
    local message = notifications[i].message
    local event, count = message:match('^rewind: event (%d+) / (%d+)')
    if event then
      return {
        event = tonumber(event),
        count = tonumber(count),
        complete = not message:find('incomplete', 1, true),
        text = message,
      }
    end
  end
end

local function user_command(command_line)
  return function()
    vim.cmd(command_line)
  end
end

local function keys_action(lhs)
  return function()
    type_keys(lhs)
  end
end

local function rewind_children()
  local found = {}
  for _, pid in ipairs(vim.api.nvim_get_proc_children(vim.fn.getpid())) do
    local proc = vim.api.nvim_get_proc(pid)
    if proc and proc.name == 'rewind' then
      table.insert(found, pid)
    end
  end
  return found
end

-- :DapTerminate (nvim-dap's command for dap.terminate()).
local function terminate_session()
  local session = current_session()
  vim.cmd('DapTerminate')
  wait_for(EXIT_MS, function() return dap.session() == nil and session.closed end,
    'nvim-dap did not close the session after :DapTerminate')
  wait_for(EXIT_MS, function() return #rewind_children() == 0 end,
    '`rewind dap` is still running after the session ended: pids ' .. table.concat(rewind_children(), ', '))
end

local line = {}
local event_count, bookmark_event = nil, nil

step('<F9> on LINE:loop_body of loop.c sets a breakpoint there', function()
  line.step_body = marker('step_body')
  line.step_total = marker('step_total')
  line.step_end = closing_brace_after(marker('step_return'))
  line.loop_body = marker('loop_body')
  line.point_x = marker('point_x')
  open_fixture()
  expect_equal(vim.bo.filetype, 'c', "loop.c's filetype (nvim-dap picks configurations by it)")
  toggle_breakpoint_at(line.loop_body)
  expect_equal(breakpoint_lines(), { line.loop_body }, "nvim-dap's breakpoints in loop.c")
end)

step('<F5>, "Record and debug a program", fixtures/build/loop: stops at the breakpoint, i = 0', function()
  pick_name = record_name
  prompts = {}
  answer_input = function() return fixture_program end
  local stop = move(start_session, LAUNCH_MS)
  answer_input = nil
  expect(offered and vim.tbl_contains(offered, record_name) and vim.tbl_contains(offered, replay_name),
    'nvim-dap did not offer both rewind configurations: ' .. vim.inspect(offered))
  expect(#prompts == 1, 'the program should be asked once, asked ' .. #prompts .. ' times')
  expect_equal(prompts[1].default, vim.fn.getcwd() .. '/', 'the default of the program prompt')
  expect_equal(prompts[1].completion, 'file', 'the completion of the program prompt')
  expect_equal(current_session().config.type, 'rewind', 'the session type')
  expect_stop(stop, { reason = 'breakpoint', func = 'main', line = line.loop_body, values = before_iteration(0) })
end)

step("the program's output is in nvim-dap's REPL and matches loop.c's model", function()
  local printed = {}
  for _, body in ipairs(output) do
    if body.category == 'stdout' then
      table.insert(printed, body.output)
    end
  end
  local text = table.concat(printed)
  expect_equal(vim.split(vim.trim(text), '\n', { plain = true }), model_output(), "loop's stdout")
  local repl_buffer = nil
  for _, buffer in ipairs(vim.api.nvim_list_bufs()) do
    if vim.bo[buffer].filetype == 'dap-repl' then
      repl_buffer = buffer
    end
  end
  expect(repl_buffer ~= nil, "nvim-dap has no REPL buffer")
  local shown = table.concat(vim.api.nvim_buf_get_lines(repl_buffer, 0, -1, false), '\n')
  for _, expected in ipairs(model_output()) do
    expect(shown:find(expected, 1, true) ~= nil, ('the REPL does not show %q:\n%s'):format(expected, shown))
  end
end)

step(':RewindEvent: a complete recording, the session within it', function()
  local where = rewind_event()
  expect(where.complete, 'the recording is shown as incomplete: ' .. where.text)
  expect(where.count > 3, 'too few events for this test: ' .. where.text)
  expect(where.event >= 1 and where.event <= where.count, 'the event is outside the recording: ' .. where.text)
  event_count = where.count
end)

step('<F5> continues to the breakpoint: i = 1', function()
  expect_stop(move(keys_action('<F5>')), { reason = 'breakpoint', func = 'main', line = line.loop_body,
    values = before_iteration(1) })
end)

step('<F5> continues to the breakpoint: i = 2', function()
  expect_stop(move(keys_action('<F5>')), { reason = 'breakpoint', func = 'main', line = line.loop_body,
    values = before_iteration(2) })
end)

local after_call = vim.tbl_extend('force', before_iteration(2), { r = 5, total = before_iteration(3).total })

step('<F10> steps over step(2): LINE:point_x, r = 5, total = 6', function()
  expect_stop(move(keys_action('<F10>')), { reason = 'step', func = 'main', line = line.point_x, values = after_call })
end)

step('<Leader>db steps back over the call: LINE:loop_body, total = 2 again', function()
  expect_stop(move(keys_action('<Leader>db')), { func = 'main', line = line.loop_body, values = before_iteration(2) })
end)

step('<F11> steps into step(2): LINE:step_body, x = 2, called from main', function()
  expect_stop(move(keys_action('<F11>')), { reason = 'step', func = 'step', line = line.step_body, caller = 'main',
    values = { x = 2, total = before_iteration(2).total } })
end)

step('<F10> in step(): LINE:step_total, doubled = 4', function()
  expect_stop(move(keys_action('<F10>')), { reason = 'step', func = 'step', line = line.step_total, caller = 'main',
    values = { x = 2, doubled = 4, total = before_iteration(2).total } })
end)

step('<F12> steps out into main: LINE:loop_body, total = 6', function()
  expect_stop(move(keys_action('<F12>')), { reason = 'step', func = 'main', line = line.loop_body,
    values = { i = 2, total = before_iteration(3).total } })
end)

step('<F10>: LINE:point_x, r = 5', function()
  expect_stop(move(keys_action('<F10>')), { reason = 'step', func = 'main', line = line.point_x, values = after_call })
end)

step("<Leader>di (reverseStepIn) goes back into step(2): its last line, total = 6", function()
  expect_stop(move(keys_action('<Leader>di')), { reason = 'step', func = 'step', line = line.step_end, caller = 'main',
    values = { x = 2, doubled = 4, total = before_iteration(3).total } })
end)

step('<Leader>do (reverseStepOut) goes back to the call in main: LINE:loop_body, total = 2', function()
  expect_stop(move(keys_action('<Leader>do')), { reason = 'step', func = 'main', line = line.loop_body,
    values = before_iteration(2) })
end)

-- Runs :RewindBookmark [NAME] and returns the page's answer: id, name, event.
local function rewind_bookmark(command_line)
  local first = #notifications + 1
  vim.cmd(command_line)
  wait_for(REQUEST_MS, function()
    for i = first, #notifications do
      if notifications[i].message:find('^rewind: bookmark') then
        return true
      end
    end
    return false
  end, ':' .. command_line .. ' showed nothing; notifications: ' .. vim.inspect(notes_since(first)))
  local note = expect_notified(first, nil, '^rewind: bookmark %d+ .* at event %d+$')
  local id, name, event = note.message:match('^rewind: bookmark (%d+) (.*) at event (%d+)$')
  return { id = tonumber(id), name = name, event = tonumber(event) }
end

step(':RewindBookmark here, and :RewindBookmark without a name, bookmark this position; :RewindEvent lists them',
  function()
    local named = rewind_bookmark('RewindBookmark here')
    expect_equal({ named.id, named.name }, { 1, 'here' }, 'the first bookmark')
    -- Without a name the page sends {} (an empty JSON object): rewind names it.
    local unnamed = rewind_bookmark('RewindBookmark')
    expect_equal(unnamed.id, 2, 'the id of the second bookmark')
    expect(unnamed.name ~= '', 'the unnamed bookmark has no name')
    expect_equal(unnamed.event, named.event, 'the event of both bookmarks, made at one position')
    bookmark_event = named.event
    local where = rewind_event()
    expect_equal(where.event, bookmark_event, 'the current event, at the bookmarks')
    for _, bookmark in ipairs({ named, unnamed }) do
      local listed = ('bookmark %d %s: event %d'):format(bookmark.id, bookmark.name, bookmark.event)
      expect(where.text:find(listed, 1, true) ~= nil, ':RewindEvent does not list ' .. listed .. ': ' .. where.text)
    end
  end)

step('<F5> <F5>: the breakpoint at i = 3, then i = 4', function()
  expect_stop(move(keys_action('<F5>')), { reason = 'breakpoint', func = 'main', line = line.loop_body,
    values = before_iteration(3) })
  expect_stop(move(keys_action('<F5>')), { reason = 'breakpoint', func = 'main', line = line.loop_body,
    values = before_iteration(4) })
end)

step('<Leader>dc reverse-continues to the breakpoint at i = 3', function()
  expect_stop(move(keys_action('<Leader>dc')), { reason = 'breakpoint', func = 'main', line = line.loop_body,
    values = before_iteration(3) })
end)

step(':RewindGotoBookmark 1 travels back to the bookmark: i = 2, total = 2', function()
  expect_stop(move(user_command('RewindGotoBookmark 1')), { reason = 'goto', func = 'main', line = line.loop_body,
    values = before_iteration(2) })
  expect_equal(rewind_event().event, bookmark_event, 'the current event')
end)

step(':RewindGotoBookmark 99 (no such bookmark) reports the error and stays', function()
  local first = #notifications + 1
  vim.cmd('RewindGotoBookmark 99')
  wait_for(REQUEST_MS, function()
    for i = first, #notifications do
      if notifications[i].level == vim.log.levels.ERROR then
        return true
      end
    end
    return false
  end, 'no error reported; notifications: ' .. vim.inspect(notes_since(first)))
  expect_notified(first, vim.log.levels.ERROR, '^rewind: gotoEvent failed: ')
  expect_equal(rewind_event().event, bookmark_event, 'the current event')
end, { '^rewind: gotoEvent failed: ' })

step(':RewindGoto 2 travels to event 2, before the loop; <F5> hits i = 0 again', function()
  -- Event 2 is in the dynamic loader, whose sources are not on disk: nvim-dap says so.
  local stop = move(user_command('RewindGoto 2'))
  expect_equal(stop.reason, 'goto', 'the reason of the stop')
  expect_equal(rewind_event().event, 2, 'the current event after :RewindGoto 2')
  expect_stop(move(keys_action('<F5>')), { reason = 'breakpoint', func = 'main', line = line.loop_body,
    values = before_iteration(0) })
end)

step('<F9> again removes the breakpoint', function()
  local responses = set_breakpoints_responses
  toggle_breakpoint_at(line.loop_body)
  expect_equal(breakpoint_lines(), {}, "nvim-dap's breakpoints in loop.c")
  wait_for(REQUEST_MS, function() return set_breakpoints_responses > responses end,
    'nvim-dap did not send the breakpoints to the session')
end)

step('<Leader>dc without breakpoints stops at the start of the recording (event 1)', function()
  local stop = move(keys_action('<Leader>dc'))
  expect_equal(stop.reason, 'step', 'the reason of the stop')
  expect(tostring(stop.description):find('^Start of the recording') ~= nil,
    'the stop does not say it is the start: ' .. vim.inspect(stop))
  expect_equal(rewind_event().event, 1, 'the current event at the start (docs/dap.md: event 0 is the execve)')
end)

step('<F5> without breakpoints runs to the end of the recording: exit status 0, the last event', function()
  local exits = #exited_events
  local stop = move(keys_action('<F5>'))
  expect_equal(stop.reason, 'step', 'the reason of the stop')
  expect(tostring(stop.description):find('^End of the recording') ~= nil,
    'the stop does not say it is the end: ' .. vim.inspect(stop))
  wait_for(REQUEST_MS, function() return #exited_events > exits end, 'no exited event at the end of the recording')
  expect_equal(exited_events[#exited_events].exitCode, 0, 'the exit code (loop.c returns 0)')
  local where = rewind_event()
  expect_equal(where.event, event_count, 'the current event at the end')
end)

step('from the end, <F9> and <Leader>dc go back to the last iteration: i = ' .. tostring((iterations or 1) - 1), function()
  local responses = set_breakpoints_responses
  toggle_breakpoint_at(line.loop_body)
  expect_equal(breakpoint_lines(), { line.loop_body }, "nvim-dap's breakpoints in loop.c")
  wait_for(REQUEST_MS, function() return set_breakpoints_responses > responses end,
    'nvim-dap did not send the breakpoint to the session')
  expect_stop(move(keys_action('<Leader>dc')), { reason = 'breakpoint', func = 'main', line = line.loop_body,
    values = before_iteration(iterations - 1) })
end)

step(':DapTerminate ends the session and `rewind dap`', terminate_session)

step('<F5>, "Replay a recording", its default (<REWIND_DIR>/latest): the recording, stopped at i = 0', function()
  pick_name = replay_name
  prompts = {}
  answer_input = function(_, default) return default end -- the user presses Enter
  local stop = move(start_session, LAUNCH_MS)
  answer_input = nil
  expect(#prompts == 1, 'the recording should be asked once, asked ' .. #prompts .. ' times')
  expect_equal(prompts[1].default, recordings .. '/latest', 'the default of the recording prompt')
  expect_stop(stop, { reason = 'breakpoint', func = 'main', line = line.loop_body, values = before_iteration(0) })
end)

step(':DapTerminate ends the replay session and `rewind dap`', terminate_session)

if dap.session() ~= nil then
  pcall(dap.terminate)
  vim.wait(EXIT_MS, function() return dap.session() == nil end, 10)
end
finish()
