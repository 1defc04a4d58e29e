-- Checks the nvim-dap configuration that docs/neovim.md documents.
--
-- Run by headless Neovim (0.7 or later):
--   nvim --headless -u NONE -i NONE -n -c 'luafile tests/neovim/check_config.lua' -c 'cquit 3'
-- (or, on Neovim 0.9+, `nvim --headless -u NONE -l tests/neovim/check_config.lua`).
-- It exits 0 when every check passes and 1 otherwise; .ci/neovim-test.sh runs it.
--
-- nvim-dap itself cannot be installed here, so a small stand-in for it is put in
-- package.loaded['dap'] before the documentation's ```lua blocks run. The stand-in is
-- written from nvim-dap's documented API only (dap.adapters, dap.configurations,
-- dap.continue(), dap.step_back(), dap.reverse_continue(), dap.session() and the
-- session's :request(command, arguments, callback), config and stopped_thread_id) and
-- records what the configuration calls. It talks to no debug adapter: what `rewind dap`
-- answers is covered by its protocol tests.
--
-- REWIND_NEOVIM_DOC names the Markdown file to check (default: docs/neovim.md of the
-- checkout that holds this script).

local out = io.stdout
local function say(line)
  out:write(line, '\n')
  out:flush()
end

local function script_dir()
  local source = debug.getinfo(1, 'S').source
  if source:sub(1, 1) == '@' then
    return vim.fn.fnamemodify(source:sub(2), ':p:h')
  end
  return vim.fn.getcwd() .. '/tests/neovim'
end

local doc_path = os.getenv('REWIND_NEOVIM_DOC')
if doc_path == nil or doc_path == '' then
  doc_path = vim.fn.fnamemodify(script_dir() .. '/../../docs/neovim.md', ':p')
end

-- ---------------------------------------------------------------------------------
-- Checks and assertions.

local passed, failed = 0, 0

local function check(description, fn)
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
    say('ok   ' .. description)
  else
    failed = failed + 1
    say('FAIL ' .. description)
    for line in tostring(err):gmatch('[^\n]+') do
      say('       ' .. line)
    end
  end
  return ok
end

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

-- ---------------------------------------------------------------------------------
-- The nvim-dap stand-in.

local calls = {} -- what the configuration did, in order
local notifications = {}

local function record(call)
  table.insert(calls, call)
end

local function reset()
  calls = {}
  notifications = {}
end

local current_session = nil

local function new_session(adapter_type, stopped_thread_id)
  local session = {
    config = { type = adapter_type, request = 'launch', name = 'test session' },
    stopped_thread_id = stopped_thread_id,
  }
  function session.request(self, command, arguments, callback)
    record({
      kind = 'request',
      command = command,
      arguments = arguments,
      callback = callback,
      called_as_method = rawequal(self, session),
    })
  end
  return session
end

-- Functions of nvim-dap's documented API that a configuration may map to keys: each
-- records its name when called.
local recorded_functions = {
  'continue', 'run', 'run_last', 'terminate', 'disconnect', 'close', 'restart',
  'toggle_breakpoint', 'set_breakpoint', 'clear_breakpoints', 'list_breakpoints',
  'set_exception_breakpoints', 'step_over', 'step_into', 'step_out', 'step_back',
  'reverse_continue', 'pause', 'up', 'down', 'run_to_cursor', 'restart_frame',
  'focus_frame', 'set_log_level',
}

local dap = {
  adapters = {},
  configurations = {},
  defaults = { fallback = {} },
  listeners = { before = {}, after = {} },
  repl = {},
}
for _, name in ipairs(recorded_functions) do
  dap[name] = function(...)
    record({ kind = 'dap', name = name, nargs = select('#', ...) })
  end
end
for _, name in ipairs({ 'open', 'close', 'toggle' }) do
  dap.repl[name] = function()
    record({ kind = 'dap', name = 'repl.' .. name })
  end
end
function dap.session()
  return current_session
end
setmetatable(dap, {
  __index = function(_, key)
    error(('the nvim-dap stand-in has no dap.%s: if nvim-dap documents it, add it to %s'):format(
      tostring(key), 'tests/neovim/check_config.lua'), 2)
  end,
})

-- A configuration that another plugin (or the user) set up before: it must be kept.
local other_c_configuration = { type = 'gdb', request = 'launch', name = 'someone else' }
dap.configurations.c = { other_c_configuration }

package.loaded['dap'] = dap

-- ---------------------------------------------------------------------------------
-- Running the documentation's Lua.

local function read_file(path)
  local file, err = io.open(path, 'r')
  if not file then
    fail('cannot read ' .. path .. ': ' .. tostring(err))
  end
  local text = file:read('*a')
  file:close()
  return text
end

-- The ```lua blocks of a Markdown text: { code = ..., first_line = N } (N: the block's
-- first line of code, so that errors point at the documentation's own lines).
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

local function all_keymaps()
  local maps = {}
  for _, mode in ipairs({ 'n', 'v', 'x', 's', 'o', 'i', 'c', 't' }) do
    for _, map in ipairs(vim.api.nvim_get_keymap(mode)) do
      maps[mode .. ' ' .. map.lhs] = map
    end
  end
  return maps
end

local keymaps_before = all_keymaps()
local commands_before = vim.api.nvim_get_commands({})
local real_notify = vim.notify
local real_input = vim.fn.input

local version = vim.version()
say(('neovim: checking the nvim-dap configuration of %s on Neovim %d.%d.%d'):format(
  doc_path, version.major, version.minor, version.patch))

local loaded = check('the documentation\'s ```lua blocks run without error', function()
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

-- ---------------------------------------------------------------------------------
-- Helpers for the checks below.

local function find_configuration(filetype, name_prefix)
  for _, configuration in ipairs(dap.configurations[filetype] or {}) do
    if type(configuration) == 'table' and type(configuration.name) == 'string'
        and configuration.name:sub(1, #name_prefix) == name_prefix then
      return configuration
    end
  end
  fail(('dap.configurations.%s has no configuration named "%s…"'):format(filetype, name_prefix))
end

-- Evaluates a configuration field as nvim-dap does: a function is called (here with
-- vim.fn.input answering `answer`, and recording its arguments).
local function evaluate(value, answer)
  if type(value) ~= 'function' then
    return value, nil
  end
  local prompts = {}
  vim.fn.input = function(...)
    table.insert(prompts, { ... })
    return answer
  end
  local ok, result = pcall(value)
  vim.fn.input = real_input
  if not ok then
    fail('the function fails: ' .. tostring(result))
  end
  return result, prompts
end

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

local islist = vim.islist or vim.tbl_islist -- vim.islist: Neovim 0.10+

-- Launch fields of docs/dap.md and their JSON types.
local launch_fields = {
  type = 'string', request = 'string', name = 'string', program = 'string', args = 'list',
  cwd = 'string', env = 'object', stopOnEntry = 'boolean', trace = 'string', traceDir = 'string',
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

local function find_keymap(lhs)
  local wanted = keys(lhs)
  for _, map in ipairs(vim.api.nvim_get_keymap('n')) do
    if keys(map.lhs) == wanted then
      return map
    end
  end
  fail(('no normal-mode mapping for %s'):format(lhs))
end

-- Runs `fn` with vim.notify recording, returning what it recorded.
local function capture_notify(fn)
  vim.notify = function(message, level)
    table.insert(notifications, { message = message, level = level })
  end
  local ok, err = pcall(fn)
  vim.notify = real_notify
  if not ok then
    error(err, 0)
  end
end

local function only_call()
  expect(#calls == 1, ('expected exactly one call to nvim-dap, got %d: %s'):format(#calls, vim.inspect(calls)))
  return calls[1]
end

local function expect_request(command, arguments)
  local call = only_call()
  expect(call.kind == 'request', ('expected session:request(%q, …), got %s'):format(command, vim.inspect(call)))
  expect(call.called_as_method, 'request must be called as session:request(...), with the session as self')
  expect_equal(call.command, command, 'the request\'s command')
  expect_equal(call.arguments, arguments, ('the arguments of %q'):format(command))
  expect(type(call.callback) == 'function', ('%q is sent without a callback'):format(command))
  return call
end

local function expect_notified(level, pattern)
  for _, notification in ipairs(notifications) do
    if notification.level == level and tostring(notification.message):find(pattern) then
      return notification
    end
  end
  fail(('expected a notification (level %s) matching %q, got %s'):format(
    tostring(level), pattern, vim.inspect(notifications)))
end

local function expect_no_request()
  for _, call in ipairs(calls) do
    expect(call.kind ~= 'request', 'no request may be sent here, but got ' .. vim.inspect(call))
  end
end

-- ---------------------------------------------------------------------------------
-- The checks.

if loaded then
  check('dap.adapters.rewind runs `rewind dap` as an executable adapter', function()
    local adapter = dap.adapters.rewind
    expect(type(adapter) == 'table', 'dap.adapters.rewind is not a table: ' .. vim.inspect(adapter))
    expect_equal(adapter.type, 'executable', 'dap.adapters.rewind.type')
    expect(type(adapter.command) == 'string' and adapter.command ~= '',
      'dap.adapters.rewind.command must be a non-empty string, got ' .. vim.inspect(adapter.command))
    expect(adapter.command:match('rewind$') ~= nil,
      'dap.adapters.rewind.command should name the rewind executable, got ' .. adapter.command)
    expect_equal(adapter.args, { 'dap' }, 'dap.adapters.rewind.args')
  end)

  for _, filetype in ipairs({ 'c', 'cpp', 'rust' }) do
    check(('dap.configurations.%s: "Record and debug" launches rewind and asks for the program'):format(filetype),
      function()
        local configuration = find_configuration(filetype, 'Record and debug')
        expect_equal(configuration.type, 'rewind', 'type')
        expect_equal(configuration.request, 'launch', 'request')
        expect(configuration.trace == nil, 'a configuration that records must not have a trace')
        local program_type = type(configuration.program)
        expect(program_type == 'function' or program_type == 'string',
          'program must be a function or a string, got ' .. program_type)
        expect_valid_launch(configuration, 'Record and debug')
        local program, prompts = evaluate(configuration.program, '/tmp/a.out')
        expect_equal(program, '/tmp/a.out', 'program (the answer to its prompt)')
        if prompts then
          expect(#prompts == 1, 'program should ask once, asked ' .. #prompts .. ' times')
          expect_equal(prompts[1][2], vim.fn.getcwd() .. '/', 'the default of the program prompt')
          expect_equal(prompts[1][3], 'file', 'the completion of the program prompt')
        end
      end)

    check(('dap.configurations.%s: "Replay a recording" launches rewind on a trace'):format(filetype), function()
      local configuration = find_configuration(filetype, 'Replay a recording')
      expect_equal(configuration.type, 'rewind', 'type')
      expect_equal(configuration.request, 'launch', 'request')
      expect(configuration.program == nil, 'a replay must not have a program')
      local trace_type = type(configuration.trace)
      expect(trace_type == 'function' or trace_type == 'string',
        'trace must be a function or a string, got ' .. trace_type)
      expect_valid_launch(configuration, 'Replay a recording')
    end)
  end

  check('dap.configurations.c keeps the configurations that were there before', function()
    expect(rawequal(dap.configurations.c[1], other_c_configuration),
      'the configuration set up before is gone: ' .. vim.inspect(dap.configurations.c))
  end)

  check('"Replay a recording" offers <recordings>/latest: $REWIND_DIR, $XDG_DATA_HOME/rewind, ~/.local/share/rewind',
    function()
      local configuration = find_configuration('c', 'Replay a recording')
      if type(configuration.trace) ~= 'function' then
        return
      end
      local cases = {
        { env = { REWIND_DIR = '/r', XDG_DATA_HOME = '/x', HOME = '/h' }, default = '/r/latest' },
        { env = { REWIND_DIR = '', XDG_DATA_HOME = '/x', HOME = '/h' }, default = '/x/rewind/latest' },
        { env = { REWIND_DIR = false, XDG_DATA_HOME = '/x', HOME = '/h' }, default = '/x/rewind/latest' },
        { env = { REWIND_DIR = false, XDG_DATA_HOME = '', HOME = '/h' }, default = '/h/.local/share/rewind/latest' },
        { env = { REWIND_DIR = false, XDG_DATA_HOME = false, HOME = '/h' }, default = '/h/.local/share/rewind/latest' },
      }
      for _, case in ipairs(cases) do
        with_env(case.env, function()
          local trace, prompts = evaluate(configuration.trace, '/some/recording')
          expect_equal(trace, '/some/recording', 'trace (the answer to its prompt)')
          expect(#prompts == 1, 'trace should ask once, asked ' .. #prompts .. ' times')
          expect_equal(prompts[1][2], case.default, 'the default of the trace prompt with ' .. vim.inspect(case.env))
          expect_equal(prompts[1][3], 'dir', 'the completion of the trace prompt')
        end)
      end
    end)

  -- Keymaps: lhs, what nvim-dap must be asked, and whether a session is needed.
  local keymap_expectations = {
    { lhs = '<F5>', dap = 'continue' },
    { lhs = '<F9>', dap = 'toggle_breakpoint' },
    { lhs = '<F10>', dap = 'step_over' },
    { lhs = '<F11>', dap = 'step_into' },
    { lhs = '<F12>', dap = 'step_out' },
    { lhs = '<Leader>db', dap = 'step_back' },
    { lhs = '<Leader>dc', dap = 'reverse_continue' },
    { lhs = '<Leader>di', request = 'reverseStepIn' },
    { lhs = '<Leader>do', request = 'reverseStepOut' },
  }

  -- Invokes a mapping twice: by calling its Lua callback, and by typing its keys.
  local function invoke_both_ways(lhs, fn)
    local map = find_keymap(lhs)
    expect(type(map.callback) == 'function' or (map.rhs ~= nil and map.rhs ~= ''),
      lhs .. ' has neither a Lua callback nor a right-hand side')
    if type(map.callback) == 'function' then
      reset()
      capture_notify(function() map.callback() end)
      fn('calling its callback')
    end
    reset()
    capture_notify(function() vim.api.nvim_feedkeys(keys(lhs), 'mx', false) end)
    fn('typing it')
  end

  for _, expectation in ipairs(keymap_expectations) do
    local description
    if expectation.dap then
      description = ('%s calls dap.%s()'):format(expectation.lhs, expectation.dap)
    else
      description = ('%s sends %s {threadId = <stopped thread>} to the rewind session'):format(
        expectation.lhs, expectation.request)
    end
    check(description, function()
      current_session = new_session('rewind', 7)
      invoke_both_ways(expectation.lhs, function(how)
        local ok, err = pcall(function()
          if expectation.dap then
            local call = only_call()
            expect(call.kind == 'dap' and call.name == expectation.dap,
              ('expected dap.%s(), got %s'):format(expectation.dap, vim.inspect(call)))
          else
            expect_request(expectation.request, { threadId = 7 })
          end
        end)
        if not ok then
          fail(how .. ': ' .. tostring(err))
        end
      end)
      current_session = nil
    end)
  end

  for _, command in ipairs({ 'reverseStepIn', 'reverseStepOut' }) do
    local lhs = command == 'reverseStepIn' and '<Leader>di' or '<Leader>do'
    check(('%s without a rewind session warns and sends nothing'):format(lhs), function()
      local map = find_keymap(lhs)
      for _, session in ipairs({ false, new_session('codelldb', 1) }) do
        current_session = session or nil
        reset()
        capture_notify(function() map.callback() end)
        expect_no_request()
        expect_notified(vim.log.levels.WARN, 'no rewind debug session')
      end
      current_session = nil
    end)
  end

  -- User commands.
  local function run_command(command_line, session)
    current_session = session
    reset()
    capture_notify(function() vim.cmd(command_line) end)
  end

  local user_commands = { 'RewindEvent', 'RewindGoto', 'RewindBookmark', 'RewindGotoBookmark' }

  check(':RewindEvent sends timeline and shows the event and the bookmarks', function()
    run_command('RewindEvent', new_session('rewind', 1))
    local call = expect_request('timeline', nil)
    capture_notify(function()
      call.callback(nil, {
        currentEvent = 12, eventCount = 40, complete = false,
        bookmarks = { { id = 1, name = 'before', event = 3 } },
      })
    end)
    expect_notified(nil, 'event 12 / 40 %(an incomplete recording%)')
    expect_notified(nil, 'bookmark 1 before: event 3')
    notifications = {}
    capture_notify(function()
      call.callback(nil, { currentEvent = 40, eventCount = 40, complete = true })
    end)
    local shown = expect_notified(nil, 'event 40 / 40')
    expect(not shown.message:find('incomplete'), 'a complete recording is shown as incomplete: ' .. shown.message)
  end)

  check(':RewindGoto N sends gotoEvent {event = N}; a non-number sends nothing', function()
    run_command('RewindGoto 42', new_session('rewind', 1))
    expect_request('gotoEvent', { event = 42 })
    run_command('RewindGoto soon', new_session('rewind', 1))
    expect_no_request()
    expect_notified(vim.log.levels.ERROR, 'takes an event number')
  end)

  check(':RewindBookmark [NAME] sends bookmark {name = NAME}, or {} (a JSON object) without a name', function()
    run_command('RewindBookmark here', new_session('rewind', 1))
    local call = expect_request('bookmark', { name = 'here' })
    capture_notify(function() call.callback(nil, { id = 2, name = 'here', event = 17 }) end)
    expect_notified(nil, 'bookmark 2 here at event 17')
    run_command('RewindBookmark', new_session('rewind', 1))
    call = only_call()
    expect(call.kind == 'request' and call.command == 'bookmark', 'expected a bookmark request, got ' .. vim.inspect(call))
    expect_equal(vim.fn.json_encode(call.arguments), '{}', 'the JSON of the arguments of bookmark without a name')
  end)

  check(':RewindGotoBookmark ID sends gotoEvent {bookmark = ID}; a non-number sends nothing', function()
    run_command('RewindGotoBookmark 2', new_session('rewind', 1))
    expect_request('gotoEvent', { bookmark = 2 })
    run_command('RewindGotoBookmark first', new_session('rewind', 1))
    expect_no_request()
    expect_notified(vim.log.levels.ERROR, 'takes a bookmark id')
  end)

  check('a failed request is reported with its message', function()
    run_command('RewindGoto 5', new_session('rewind', 1))
    local call = expect_request('gotoEvent', { event = 5 })
    capture_notify(function() call.callback({ message = 'event 5 is past the end' }, nil) end)
    expect_notified(vim.log.levels.ERROR, 'gotoEvent failed: event 5 is past the end')
  end)

  check('the user commands warn and send nothing without a rewind session', function()
    for _, session in ipairs({ false, new_session('codelldb', 1) }) do
      for _, command_line in ipairs({ 'RewindEvent', 'RewindGoto 1', 'RewindBookmark', 'RewindGotoBookmark 1' }) do
        run_command(command_line, session or nil)
        expect_no_request()
        expect_notified(vim.log.levels.WARN, 'no rewind debug session')
      end
    end
    current_session = nil
  end)

  check('every keymap and user command the documentation defines is checked above', function()
    local checked = {}
    for _, expectation in ipairs(keymap_expectations) do
      checked['n ' .. keys(expectation.lhs)] = true
    end
    local unchecked = {}
    for key, map in pairs(all_keymaps()) do
      if keymaps_before[key] == nil and not checked[map.mode .. ' ' .. keys(map.lhs)] then
        table.insert(unchecked, ('mapping %s (mode %s)'):format(map.lhs, map.mode))
      end
    end
    local known = {}
    for _, name in ipairs(user_commands) do
      known[name] = true
    end
    for name in pairs(vim.api.nvim_get_commands({})) do
      if commands_before[name] == nil and not known[name] then
        table.insert(unchecked, 'command :' .. name)
      end
    end
    for _, name in ipairs(user_commands) do
      expect(vim.api.nvim_get_commands({})[name] ~= nil, 'the documentation no longer defines :' .. name)
    end
    table.sort(unchecked)
    expect(#unchecked == 0, 'not covered by tests/neovim/check_config.lua: ' .. table.concat(unchecked, ', '))
  end)
end

say(('neovim: %d passed, %d failed'):format(passed, failed))
if failed > 0 then
  vim.cmd('cquit 1')
else
  vim.cmd('qall!')
end
