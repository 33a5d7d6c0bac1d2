<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AccountsPage</name>
    <message>
        <source>After too many failed logins an account is locked until it is unlocked here. New accounts are added with the kiosk users command or by the HR system.</source>
        <translation>登录失败次数过多后，账户将被锁定，需在此处解锁。新账户通过 kiosk users 命令或由人力资源系统添加。</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Departments</source>
        <translation>部门</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Staff accounts</source>
        <translation>员工账户</translation>
    </message>
    <message>
        <source>Recruiter</source>
        <translation>招聘人员</translation>
    </message>
    <message>
        <source>Department head</source>
        <translation>部门负责人</translation>
    </message>
    <message>
        <source>IT admin</source>
        <translation>IT 管理员</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Unlock %1</source>
        <translation>解锁 %1</translation>
    </message>
    <message>
        <source>%1 can log in again.</source>
        <translation>%1 现在可以重新登录。</translation>
    </message>
</context>
<context>
    <name>AdminHome</name>
    <message>
        <source>Diagnostics</source>
        <translation>诊断</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>Enrolment</source>
        <translation>注册</translation>
    </message>
    <message>
        <source>Staff accounts</source>
        <translation>员工账户</translation>
    </message>
    <message>
        <source>Secure wipe</source>
        <translation>安全擦除</translation>
    </message>
    <message>
        <source>This account may not do that.</source>
        <translation>此账户无权执行该操作。</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Not possible while an interview is in progress. Try again when it has ended.</source>
        <translation>面试进行中，无法执行。请在面试结束后重试。</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
</context>
<context>
    <name>ChoiceScreen</name>
    <message>
        <source>Tap the answer you choose. You cannot change it afterwards.</source>
        <translation>请点击您选择的答案。选择后不能更改。</translation>
    </message>
</context>
<context>
    <name>ConfigPage</name>
    <message>
        <source>The settings this terminal runs with (file, environment and the HR system&apos;s config bundle). Hidden values are secrets or key files; their digests still show whether two terminals agree.</source>
        <translation>本终端当前使用的设置（来自配置文件、环境变量及人力资源系统的配置包）。隐藏的值为密钥或密钥文件；其摘要仍可用于比较两台终端是否一致。</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>设置项</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Digest</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>hidden (set)</source>
        <translation>已隐藏（已设置）</translation>
    </message>
    <message>
        <source>hidden (not set)</source>
        <translation>已隐藏（未设置）</translation>
    </message>
</context>
<context>
    <name>ConsentScreen</name>
    <message>
        <source>How your interview is recorded and used</source>
        <translation>面试如何录制和使用</translation>
    </message>
    <message>
        <source>I also agree to face analysis (optional)</source>
        <translation>我同意面部分析（可选）</translation>
    </message>
    <message>
        <source>I agree, start the interview</source>
        <translation>我同意，开始面试</translation>
    </message>
    <message>
        <source>Agrees to the notice above and starts the interview.</source>
        <translation>同意上述说明并开始面试。</translation>
    </message>
    <message>
        <source>No, thanks</source>
        <translation>不参加</translation>
    </message>
    <message>
        <source>Declines the AI interview. A recruiter will arrange an interview with a person.</source>
        <translation>拒绝 AI 面试。招聘人员将为您安排人工面试。</translation>
    </message>
</context>
<context>
    <name>DashboardPage</name>
    <message>
        <source>Today&apos;s sessions</source>
        <extracomment>Show the session list with this status filter (&quot;&quot; for all of today&apos;s sessions).</extracomment>
        <translation>今日面试</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>All sessions</source>
        <translation>全部面试</translation>
    </message>
    <message>
        <source>Overall scores, before overrides</source>
        <translation>总分分布（人工调整前）</translation>
    </message>
    <message>
        <source>No scored sessions today</source>
        <translation>今日暂无评分</translation>
    </message>
    <message>
        <source>Distribution of today&apos;s overall scores</source>
        <translation>今日总分分布</translation>
    </message>
    <message>
        <source>Results to the HR system</source>
        <translation>结果同步至人力资源系统</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>Participation: %1</source>
        <translation>参与率：%1</translation>
    </message>
    <message>
        <source>%1 of %2 went on to the interview</source>
        <translation>%2 人中有 %1 人继续参加面试</translation>
    </message>
    <message>
        <source>Of the candidates who checked in and answered the consent notice, the share who consented and went on to the interview.</source>
        <translation>已签到并对知情同意书作出选择的候选人中，同意并继续参加面试的比例。</translation>
    </message>
    <message>
        <source>Average duration (completed): %1</source>
        <translation>平均时长（已完成）：%1</translation>
    </message>
    <message numerus="yes">
        <source>Waiting to be sent: %n item(s)</source>
        <translation>
            <numerusform>待发送：%n 项</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n retrying after a failure</source>
        <translation>
            <numerusform>%n 项失败后重试中</numerusform>
        </translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>Last successful delivery: %1</source>
        <translation>最近一次成功发送：%1</translation>
    </message>
    <message>
        <source>Last error: %1</source>
        <translation>最近错误：%1</translation>
    </message>
</context>
<context>
    <name>DeclinedScreen</name>
    <message>
        <source>Thank you</source>
        <translation>谢谢您</translation>
    </message>
    <message>
        <source>You chose not to take the AI interview. That is fine and does not affect your application. Nothing was recorded; only the fact that you declined is kept. A recruiter will contact you to arrange an interview with a person.</source>
        <translation>您选择了不参加 AI 面试。这没有问题，也不会影响您的申请。我们没有录制任何内容，只保留您已拒绝这一事实。招聘人员会联系您，安排由面试官进行的面试。</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Returns to the welcome screen.</source>
        <translation>返回欢迎页面。</translation>
    </message>
</context>
<context>
    <name>DeviceCheckScreen</name>
    <message>
        <source>Camera and microphone check</source>
        <extracomment>Below this share of frames showing one face, the verdict asks the candidate to face the camera (advice only: the check passes on light and sound).</extracomment>
        <translation>摄像头和麦克风检测</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>重新检测</translation>
    </message>
    <message>
        <source>Start the check</source>
        <translation>开始检测</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Listening… please say “I am ready” now.</source>
        <translation>正在聆听……请现在说“我准备好了”。</translation>
    </message>
    <message>
        <source>Face check: not available on this terminal.</source>
        <translation>面部检测：本终端不可用。</translation>
    </message>
    <message>
        <source>Looking for your face…</source>
        <translation>正在寻找您的面部……</translation>
    </message>
    <message>
        <source>Face: well placed.</source>
        <translation>面部：位置合适。</translation>
    </message>
    <message>
        <source>Face: not found. Please face the camera.</source>
        <translation>面部：未检测到，请面向摄像头。</translation>
    </message>
    <message>
        <source>Face: more than one person.</source>
        <translation>面部：检测到不止一人。</translation>
    </message>
    <message>
        <source>Face: please come a little closer.</source>
        <translation>面部：请靠近一些。</translation>
    </message>
    <message>
        <source>Face: please move back a little.</source>
        <translation>面部：请稍微后退。</translation>
    </message>
    <message>
        <source>Face: please move into the oval.</source>
        <translation>面部：请移到椭圆框内。</translation>
    </message>
    <message>
        <source>✗ Camera: no picture</source>
        <translation>✗ 摄像头：没有画面</translation>
    </message>
    <message>
        <source>Microphone: loudest sound {value} dB</source>
        <translation>麦克风：最大音量 {value} dB</translation>
    </message>
    <message>
        <source>The camera shows no picture. Please ask a staff member.</source>
        <translation>摄像头没有画面，请联系工作人员。</translation>
    </message>
    <message>
        <source>The picture is too dark. Please face the light.</source>
        <translation>画面太暗，请面向光源。</translation>
    </message>
    <message>
        <source>The picture is too bright. Please move out of direct light.</source>
        <translation>画面太亮，请避开直射的光线。</translation>
    </message>
    <message>
        <source>We could not hear you well. Please say “I am ready” a little louder, facing the screen.</source>
        <translation>我们没有听清。请面向屏幕，稍大声地说“我准备好了”。</translation>
    </message>
    <message>
        <source>Sit comfortably, facing the screen, with your face inside the oval. Press “Start the check” and say “I am ready” in your normal voice.</source>
        <translation>请面向屏幕坐好，让面部位于椭圆框内。点击“开始检测”，然后用平常的音量说“我准备好了”。</translation>
    </message>
    <message>
        <source>Camera preview</source>
        <translation>摄像头画面</translation>
    </message>
    <message>
        <source>Light: too dark</source>
        <translation>光线：太暗</translation>
    </message>
    <message>
        <source>Light: too bright</source>
        <translation>光线：太亮</translation>
    </message>
    <message>
        <source>Light: good</source>
        <translation>光线：良好</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>麦克风</translation>
    </message>
    <message>
        <source>Checking what we heard…</source>
        <translation>正在识别我们听到的内容……</translation>
    </message>
    <message>
        <source>We cannot show what we heard: speech recognition is not available on this terminal.</source>
        <translation>无法显示识别结果：本终端不支持语音识别。</translation>
    </message>
    <message>
        <source>We did not catch any words. Please try again, a little louder.</source>
        <translation>我们没有听清任何字词，请稍大声地再试一次。</translation>
    </message>
    <message>
        <source>We heard: “{text}”</source>
        <translation>我们听到：“{text}”</translation>
    </message>
    <message>
        <source>We could not see your face clearly. Please sit facing the camera, inside the oval.</source>
        <translation>我们没能看清您的面部。请面向摄像头坐好，让面部位于椭圆框内。</translation>
    </message>
    <message>
        <source>Everything works. You can continue.</source>
        <translation>一切正常，您可以继续。</translation>
    </message>
</context>
<context>
    <name>DiagnosticsPage</name>
    <message>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <source>Take a picture</source>
        <translation>拍摄一张照片</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>麦克风</translation>
    </message>
    <message>
        <source>Listen</source>
        <translation>聆听</translation>
    </message>
    <message>
        <source>Microphone level</source>
        <translation>麦克风音量</translation>
    </message>
    <message>
        <source>Loudspeaker</source>
        <translation>扬声器</translation>
    </message>
    <message>
        <source>Play a tone</source>
        <translation>播放测试音</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>Print a test page</source>
        <translation>打印测试页</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>校验</translation>
    </message>
    <message>
        <source>Speech model speed</source>
        <translation>语音模型速度</translation>
    </message>
    <message>
        <source>Run benchmark</source>
        <translation>运行基准测试</translation>
    </message>
    <message>
        <source>Disk</source>
        <translation>磁盘</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Sync with the HR system</source>
        <translation>与人力资源系统同步</translation>
    </message>
    <message>
        <source>Log export</source>
        <translation>日志导出</translation>
    </message>
    <message>
        <source>Export logs</source>
        <translation>导出日志</translation>
    </message>
    <message>
        <source>Export folder</source>
        <translation>导出文件夹</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Looking through the camera…</source>
        <translation>正在读取摄像头画面…</translation>
    </message>
    <message>
        <source>one face, well placed</source>
        <translation>一张人脸，位置合适</translation>
    </message>
    <message>
        <source>no face found</source>
        <translation>未检测到人脸</translation>
    </message>
    <message>
        <source>more than one face</source>
        <translation>检测到多张人脸</translation>
    </message>
    <message>
        <source>the face is not in the middle</source>
        <translation>人脸不在画面中央</translation>
    </message>
    <message>
        <source>the face is too far away</source>
        <translation>人脸距离过远</translation>
    </message>
    <message>
        <source>the face is too close</source>
        <translation>人脸距离过近</translation>
    </message>
    <message>
        <source>good light</source>
        <translation>光线良好</translation>
    </message>
    <message>
        <source>poor light</source>
        <translation>光线不佳</translation>
    </message>
    <message>
        <source>%1 × %2 pixels · brightness %3 (%4) · %5</source>
        <translation>%1 × %2 像素 · 亮度 %3（%4）· %5</translation>
    </message>
    <message>
        <source>Listening for %1 seconds… say something.</source>
        <translation>正在聆听 %1 秒…请说话。</translation>
    </message>
    <message>
        <source>Loudest sound %1 dBFS (peak %2 dBFS) in %3 s.</source>
        <translation>%3 秒内最大声音 %1 dBFS（峰值 %2 dBFS）。</translation>
    </message>
    <message>
        <source>Too quiet: nothing was heard.</source>
        <translation>声音太小：未听到任何声音。</translation>
    </message>
    <message>
        <source>Playing a tone…</source>
        <translation>正在播放测试音…</translation>
    </message>
    <message>
        <source>This terminal is set up without a loudspeaker.</source>
        <translation>本终端未配置扬声器。</translation>
    </message>
    <message>
        <source>A %1 Hz tone played for %2 s. Did you hear it?</source>
        <translation>已播放 %1 Hz 测试音 %2 秒。您听到了吗？</translation>
    </message>
    <message>
        <source>Sending a test page…</source>
        <translation>正在发送测试页…</translation>
    </message>
    <message>
        <source>Test page sent to the printer (job %1).</source>
        <translation>测试页已发送至打印机（任务 %1）。</translation>
    </message>
    <message>
        <source>Checking the model files…</source>
        <translation>正在校验模型文件…</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>FAILED</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>No models found.</source>
        <translation>未找到模型。</translation>
    </message>
    <message>
        <source>Transcribing the sample clip…</source>
        <translation>正在转写示例音频…</translation>
    </message>
    <message>
        <source>%1: %2 s of speech transcribed in %3 s (real-time factor %4); loading took %5 s. Heard: “%6”</source>
        <translation>%1：%2 秒语音用时 %3 秒转写完成（实时率 %4）；加载耗时 %5 秒。识别结果：“%6”</translation>
    </message>
    <message>
        <source>Measuring…</source>
        <translation>正在测量…</translation>
    </message>
    <message>
        <source>%1 free of %2. Database %3, answers waiting for upload %4, recordings in progress %5.</source>
        <translation>可用 %1，共 %2。数据库 %3，待上传回答 %4，进行中的录制 %5。</translation>
    </message>
    <message>
        <source>Less than %1 free: new interviews are refused.</source>
        <translation>可用空间不足 %1：将拒绝新的面试。</translation>
    </message>
    <message>
        <source>Reading the sync state…</source>
        <translation>正在读取同步状态…</translation>
    </message>
    <message>
        <source>Waiting to be sent: %1 (%2 waiting to retry).</source>
        <translation>待发送：%1（%2 等待重试）。</translation>
    </message>
    <message>
        <source>Delivered: %1; last success: %2.</source>
        <translation>已送达：%1；最近成功：%2。</translation>
    </message>
    <message>
        <source>Last error: %1</source>
        <translation>最近错误：%1</translation>
    </message>
    <message>
        <source>Bundles: %1</source>
        <translation>数据包：%1</translation>
    </message>
    <message>
        <source>Refused bundles: %1</source>
        <translation>被拒绝的数据包：%1</translation>
    </message>
    <message>
        <source>Export logs to</source>
        <translation>导出日志到</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n file(s) to %1.</source>
        <translation>
            <numerusform>已导出 %n 个文件到 %1。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DoneScreen</name>
    <message>
        <source>Thank you! Your interview is complete.</source>
        <translation>谢谢！您的面试已完成。</translation>
    </message>
    <message>
        <source>A recruiter reviews every interview; the computer decides nothing on its own. The recruiting team will contact you about the next steps.</source>
        <translation>每场面试都由招聘人员复核，计算机不会单独作出任何决定。招聘团队会就后续安排与您联系。</translation>
    </message>
    <message>
        <source>Your session code</source>
        <translation>您的面试编号</translation>
    </message>
    <message>
        <source>Please note this code. Quote it to the recruiting team to ask about your interview, or to have your data deleted.</source>
        <translation>请记下此编号。向招聘团队查询面试情况或要求删除您的数据时，请提供此编号。</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Print receipt</source>
        <translation>打印回执</translation>
    </message>
    <message>
        <source>Print again</source>
        <translation>再次打印</translation>
    </message>
    <message>
        <source>Printing your receipt…</source>
        <translation>正在打印回执……</translation>
    </message>
    <message>
        <source>Your receipt is printed. Please take it from the printer.</source>
        <translation>回执已打印，请从打印机取走。</translation>
    </message>
    <message>
        <source>The receipt could not be printed — please note your code.</source>
        <translation>回执无法打印，请记下您的面试编号。</translation>
    </message>
</context>
<context>
    <name>EnrolmentPage</name>
    <message>
        <source>Enrolment ties this terminal to the HR system (command: kiosk provision).</source>
        <translation>注册将本终端与人力资源系统绑定（命令：kiosk provision）。</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Enrolled</source>
        <translation>已注册</translation>
    </message>
    <message>
        <source>Device id at the HR system</source>
        <translation>人力资源系统中的设备编号</translation>
    </message>
    <message>
        <source>Local device id</source>
        <translation>本地设备编号</translation>
    </message>
    <message>
        <source>HR system address</source>
        <translation>人力资源系统地址</translation>
    </message>
    <message>
        <source>Server sealing key</source>
        <translation>服务器加密密钥</translation>
    </message>
    <message>
        <source>Organisation signing key</source>
        <translation>组织签名密钥</translation>
    </message>
    <message>
        <source>Review key</source>
        <translation>审阅密钥</translation>
    </message>
    <message>
        <source>Connector</source>
        <translation>连接器</translation>
    </message>
    <message>
        <source>Bundle versions</source>
        <translation>数据包版本</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Neither enrolled nor set up for recruiters: finished interviews stay readable with this terminal&apos;s own key until it is enrolled.</source>
        <translation>既未注册也未设置招聘人员账户：在注册之前，已完成的面试仍可用本终端自身的密钥读取。</translation>
    </message>
    <message>
        <source>Not enrolled: results stay on this terminal until it is.</source>
        <translation>未注册：结果将保留在本终端上，直到完成注册。</translation>
    </message>
</context>
<context>
    <name>ExportPanel</name>
    <message>
        <source>Working…</source>
        <extracomment>Where removable media is mounted on Debian (udisks: /media/&lt;user&gt;/&lt;label&gt;).</extracomment>
        <translation>处理中…</translation>
    </message>
    <message>
        <source>Export to which folder?</source>
        <translation>导出到哪个文件夹？</translation>
    </message>
    <message>
        <source>Export to folder</source>
        <translation>导出到文件夹</translation>
    </message>
    <message>
        <source>Export folder</source>
        <translation>导出文件夹</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Export PDF, HTML and JSON</source>
        <translation>导出 PDF、HTML 和 JSON</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <source>The report holds personal data: exporting and printing are recorded in the audit log. Keep exported files on encrypted media and delete them when done.</source>
        <translation>报告包含个人数据：导出和打印都会记入审计日志。请将导出的文件保存在加密介质上，用完后删除。</translation>
    </message>
    <message>
        <source>Sent to the printer (job %1).</source>
        <translation>已发送到打印机（任务 %1）。</translation>
    </message>
    <message>
        <source>Saved in %1: %2</source>
        <translation>已保存到 %1：%2</translation>
    </message>
</context>
<context>
    <name>GreetingScreen</name>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Goes on to how your interview is recorded and used.</source>
        <translation>进入面试录制与使用说明。</translation>
    </message>
    <message>
        <source>If it helps you, choose before you continue:</source>
        <translation>如有需要，请在继续之前选择：</translation>
    </message>
    <message>
        <source>Type instead of speaking</source>
        <translation>用打字代替口答</translation>
    </message>
    <message>
        <source>You type your answers instead of speaking them. Nothing is recorded: no sound and no video. Your typed answers are scored.</source>
        <translation>您用打字代替口头回答。不录制任何内容：没有声音，也没有视频。系统将对您输入的回答评分。</translation>
    </message>
    <message>
        <source>Every preparation and answer time of every question becomes longer.</source>
        <translation>每道题的准备时间和作答时间都会延长。</translation>
    </message>
    <message>
        <source>More time (+{percent} %)</source>
        <translation>更多时间（+{percent}%）</translation>
    </message>
    <message>
        <source>Welcome, {name}</source>
        <translation>{name}，欢迎您</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>欢迎</translation>
    </message>
    <message>
        <source>Your interview for the position of {position}</source>
        <translation>您面试的职位：{position}</translation>
    </message>
    <message>
        <source>Here is what happens next:
1. You read how your interview is used, and decide whether to take part.
2. You answer one practice question by typing. It is not scored.
3. You answer {count} interview questions, in about {minutes} minutes. Nothing is recorded.</source>
        <translation>接下来：
1. 阅读面试内容的使用说明，并决定是否参加。
2. 用打字回答一道练习题，不计分。
3. 回答 {count} 道面试题，大约需要 {minutes} 分钟。不录制任何内容。</translation>
    </message>
    <message>
        <source>Here is what happens next:
1. You read how your interview is recorded and used, and decide whether to take part.
2. We check the camera and the microphone.
3. You answer one practice question. It is not scored.
4. You answer {count} interview questions, in about {minutes} minutes.</source>
        <translation>接下来：
1. 阅读面试的录制和使用说明，并决定是否参加。
2. 检测摄像头和麦克风。
3. 回答一道练习题，不计分。
4. 回答 {count} 道面试题，大约需要 {minutes} 分钟。</translation>
    </message>
</context>
<context>
    <name>HighContrastToggle</name>
    <message>
        <source>High contrast</source>
        <extracomment>An engine event (:mod:`kiosk.engine`) the candidate&apos;s tap asks for. Marks controls :meth:`Screen.name_controls` named (and may rename when their text changes). How a control may come to hold the focus: the candidate moved it there with the keyboard.</extracomment>
        <translation>高对比度</translation>
    </message>
    <message>
        <source>Shows white and yellow text on black, with larger outlines.</source>
        <translation>黑色背景上显示白色和黄色文字，轮廓更粗。</translation>
    </message>
</context>
<context>
    <name>InterruptedScreen</name>
    <message>
        <source>The interview could not continue</source>
        <translation>面试无法继续</translation>
    </message>
    <message>
        <source>We are sorry: a technical problem stopped the interview. The answers you gave are saved, and a recruiter will contact you to arrange the rest.</source>
        <translation>非常抱歉，技术问题导致面试中断。您已作答的内容已保存，招聘人员会联系您安排后续面试。</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <source>One moment, please…</source>
        <extracomment>The smallest the screens are laid out at (their own minimum size hints are far larger, see :meth:`KioskWindow._build`).</extracomment>
        <translation>请稍候……</translation>
    </message>
    <message>
        <source>Welcome back. Your interview continues where it stopped.</source>
        <translation>欢迎回来。面试将从中断处继续。</translation>
    </message>
</context>
<context>
    <name>LoginScreen</name>
    <message>
        <source>Staff login</source>
        <extracomment>A staff member logged in. Back to the candidate&apos;s screen without logging in.</extracomment>
        <translation>工作人员登录</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN 码</translation>
    </message>
    <message>
        <source>Code or badge</source>
        <translation>验证码或工牌</translation>
    </message>
    <message>
        <source>6-digit authenticator code, or badge token</source>
        <translation>身份验证器的 6 位验证码，或工牌令牌</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>This account is locked. An IT admin can unlock it.</source>
        <translation>此账户已被锁定。IT 管理员可以为其解锁。</translation>
    </message>
    <message>
        <source>You can try again now.</source>
        <translation>现在可以重试了。</translation>
    </message>
    <message numerus="yes">
        <source>Too many failed attempts. Try again in %n second(s).</source>
        <translation>
            <numerusform>失败次数过多。请在 %n 秒后重试。</numerusform>
        </translation>
    </message>
    <message>
        <source>User, PIN or code not accepted.</source>
        <translation>用户、PIN 码或验证码未通过验证。</translation>
    </message>
    <message>
        <source>Login is not possible right now (%1).</source>
        <translation>暂时无法登录（%1）。</translation>
    </message>
</context>
<context>
    <name>OnScreenKeyboard</name>
    <message>
        <source>Shift</source>
        <extracomment>The character rows, top to bottom (lower case; Shift gives the upper case).</extracomment>
        <translation>大写</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>收起</translation>
    </message>
    <message>
        <source>Space</source>
        <translation>空格</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>回车</translation>
    </message>
    <message>
        <source>Delete the last character</source>
        <translation>删除最后一个字符</translation>
    </message>
    <message>
        <source>Hide the keyboard</source>
        <translation>收起键盘</translation>
    </message>
    <message>
        <source>On-screen keyboard</source>
        <translation>屏幕键盘</translation>
    </message>
</context>
<context>
    <name>PausedScreen</name>
    <message>
        <source>Please wait a moment</source>
        <extracomment>Where the receipt of the interview on screen is: not asked for, on its way, out, or failed.</extracomment>
        <translation>请稍候</translation>
    </message>
    <message>
        <source>We are reconnecting. If this takes long, please ask a staff member.</source>
        <translation>正在重新连接。如果等待时间较长，请联系工作人员。</translation>
    </message>
</context>
<context>
    <name>QuestionScreen</name>
    <message>
        <source>Start answering now</source>
        <translation>现在开始作答</translation>
    </message>
    <message>
        <source>Ends the preparation time and starts your answer.</source>
        <translation>结束准备时间，开始作答。</translation>
    </message>
    <message>
        <source>I&apos;m done</source>
        <translation>我答完了</translation>
    </message>
    <message>
        <source>Ends your answer and saves it.</source>
        <translation>结束作答并保存。</translation>
    </message>
    <message>
        <source>Answer this question again. The new answer replaces this one.</source>
        <translation>重新回答这道题。新的回答将替换当前回答。</translation>
    </message>
    <message>
        <source>Keeps your answer and goes on.</source>
        <translation>保留您的回答并继续。</translation>
    </message>
    <message>
        <source>Reads the question aloud through the loudspeaker.</source>
        <translation>通过扬声器朗读题目。</translation>
    </message>
    <message>
        <source>Type your answer here. Tap “I&apos;m done” when you have finished.</source>
        <translation>请在此输入您的回答。答完后请点击“我答完了”。</translation>
    </message>
    <message>
        <source>Your answer</source>
        <translation>您的回答</translation>
    </message>
    <message>
        <source>Your typed answer is saved when you tap “I&apos;m done” or when the time is up.</source>
        <translation>点击“我答完了”或时间到时，您输入的回答将被保存。</translation>
    </message>
    <message>
        <source>Recording</source>
        <translation>录制中</translation>
    </message>
    <message>
        <source>We cannot hear you yet. Please speak a little louder, facing the screen.</source>
        <translation>我们还没有听到您的声音。请面向屏幕，稍大声一些。</translation>
    </message>
    <message>
        <source>Please look towards the screen, so that the camera can see your face.</source>
        <translation>请看向屏幕，让摄像头能看到您的脸。</translation>
    </message>
    <message>
        <source>Sorry, the question cannot be read aloud right now.</source>
        <translation>抱歉，目前无法朗读题目。</translation>
    </message>
    <message>
        <source>Reading the question aloud…</source>
        <translation>正在朗读题目……</translation>
    </message>
    <message>
        <source>Read the question aloud</source>
        <translation>朗读题目</translation>
    </message>
    <message>
        <source>Answer again ({count} left)</source>
        <translation>重新作答（还剩 {count} 次）</translation>
    </message>
    <message>
        <source>Finish the interview</source>
        <translation>结束面试</translation>
    </message>
    <message>
        <source>Next question</source>
        <translation>下一题</translation>
    </message>
    <message>
        <source>Time to prepare. You can type your answer when the time is up.</source>
        <translation>准备时间。时间到后即可输入您的回答。</translation>
    </message>
    <message>
        <source>Time to prepare. Recording starts when the time is up.</source>
        <translation>准备时间。时间到后开始录制。</translation>
    </message>
    <message>
        <source>Time to answer. Tap “I&apos;m done” when you have finished.</source>
        <translation>作答时间。答完后请点击“我答完了”。</translation>
    </message>
    <message>
        <source>Your answer is saved. You may answer again or go on.</source>
        <translation>您的回答已保存。您可以重新作答，或继续下一题。</translation>
    </message>
</context>
<context>
    <name>Receipt</name>
    <message>
        <source>Interview receipt</source>
        <extracomment>Latin first, then CJK: the first family with a glyph draws it (as in ui.printing).</extracomment>
        <translation>面试回执</translation>
    </message>
    <message>
        <source>Your session code</source>
        <translation>您的面试编号</translation>
    </message>
    <message>
        <source>Position: {title}</source>
        <translation>职位：{title}</translation>
    </message>
    <message>
        <source>Date: {when}</source>
        <translation>日期：{when}</translation>
    </message>
    <message>
        <source>Thank you for your interview. A recruiter reviews every interview; the computer decides nothing on its own. The recruiting team will contact you about the next steps.</source>
        <translation>感谢您参加面试。每场面试都由招聘人员复核，计算机不会单独作出任何决定。招聘团队会就后续安排与您联系。</translation>
    </message>
    <message>
        <source>Quote this code to the recruiting team to ask about your interview, or to have your data deleted.</source>
        <translation>向招聘团队查询面试情况或要求删除您的数据时，请提供此编号。</translation>
    </message>
</context>
<context>
    <name>Recruiter</name>
    <message>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>Interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <source>Advance</source>
        <translation>进入下一轮</translation>
    </message>
    <message>
        <source>Hold</source>
        <translation>待定</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>不通过</translation>
    </message>
    <message>
        <source>No decision yet</source>
        <translation>尚未决定</translation>
    </message>
    <message>
        <source>Not allowed for your role: %1</source>
        <translation>您的角色无权执行此操作：%1</translation>
    </message>
    <message>
        <source>Log in again to read this.</source>
        <translation>请重新登录后查看。</translation>
    </message>
    <message>
        <source>Could not do that: %1</source>
        <translation>无法完成操作：%1</translation>
    </message>
</context>
<context>
    <name>RecruiterHome</name>
    <message>
        <source>Dashboard</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>Sessions</source>
        <translation>面试记录</translation>
    </message>
</context>
<context>
    <name>ReportPage</name>
    <message>
        <source>Back</source>
        <extracomment>The report&apos;s text size on screen, in pixels (the PDF uses 10 pt on paper). Back to where the report was opened from.</extracomment>
        <translation>返回</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>报告</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>审核</translation>
    </message>
    <message>
        <source>Key segments</source>
        <translation>关键片段</translation>
    </message>
    <message>
        <source>Export and print</source>
        <translation>导出与打印</translation>
    </message>
    <message>
        <source>Interview report</source>
        <translation>面试报告</translation>
    </message>
    <message>
        <source>Opening the report…</source>
        <translation>正在打开报告…</translation>
    </message>
    <message>
        <source>Session %1 · %2</source>
        <translation>面试 %1 · %2</translation>
    </message>
    <message>
        <source>Decision: %1</source>
        <translation>决定：%1</translation>
    </message>
</context>
<context>
    <name>ReviewPanel</name>
    <message>
        <source>Competency</source>
        <extracomment>The stored reviews changed (an override or a decision was saved).</extracomment>
        <translation>能力项</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>分数</translation>
    </message>
    <message>
        <source>Override</source>
        <translation>人工调整</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>理由</translation>
    </message>
    <message>
        <source>Competency scores</source>
        <translation>能力项得分</translation>
    </message>
    <message>
        <source>No scores: on-device analysis was off for this interview.</source>
        <translation>无评分：本次面试未开启本机分析。</translation>
    </message>
    <message>
        <source>Override a score</source>
        <translation>调整分数</translation>
    </message>
    <message>
        <source>New score (0-100)</source>
        <translation>新分数（0-100）</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>必填</translation>
    </message>
    <message>
        <source>Save override</source>
        <translation>保存调整</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>决定</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>备注（可选）</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>not assessed</source>
        <translation>未评估</translation>
    </message>
    <message>
        <source>%1 by %2 at %3</source>
        <translation>%1（%2，%3）</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
</context>
<context>
    <name>SegmentPlayer</name>
    <message>
        <source>Question %1</source>
        <extracomment>A quote longer than this is cut in the list (the report shows it whole). The smallest video area: the recorder&apos;s default frame size. Video frames the player has shown for the current clip (for the tests, and a sign that playback really runs).</extracomment>
        <translation>第 %1 题</translation>
    </message>
    <message>
        <source>whole answer</source>
        <translation>完整回答</translation>
    </message>
    <message>
        <source>integrity flag</source>
        <translation>诚信标记</translation>
    </message>
    <message>
        <source>Key segments</source>
        <translation>关键片段</translation>
    </message>
    <message>
        <source>Video of the key segment</source>
        <translation>关键片段视频</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>No key segments in this report.</source>
        <translation>本报告没有关键片段。</translation>
    </message>
    <message>
        <source>Pick a segment to play it.</source>
        <translation>选择一个片段进行播放。</translation>
    </message>
    <message>
        <source>Decrypting the segment…</source>
        <translation>正在解密片段…</translation>
    </message>
    <message>
        <source>The recording of this answer is no longer on this terminal (recordings are kept only until they are uploaded, and only when uploading is on).</source>
        <translation>该回答的录像已不在本终端上（录像仅在开启上传时保留，上传后即删除）。</translation>
    </message>
    <message>
        <source>%1 of video, no sound recorded</source>
        <translation>视频时长 %1，未录制声音</translation>
    </message>
    <message>
        <source>%1 of video; this terminal has no sound output</source>
        <translation>视频时长 %1；本终端没有声音输出</translation>
    </message>
    <message>
        <source>%1 of video with sound</source>
        <translation>视频时长 %1，含声音</translation>
    </message>
</context>
<context>
    <name>SessionListPage</name>
    <message numerus="yes">
        <source>%n session(s)</source>
        <extracomment>The date ranges offered, in order; ``custom`` shows the two date fields. Open the report of this session id.</extracomment>
        <translation>
            <numerusform>%n 场面试</numerusform>
        </translation>
    </message>
    <message>
        <source>This session has no report: it was declined or has not ended.</source>
        <translation>该面试没有报告：候选人已拒绝或面试尚未结束。</translation>
    </message>
    <message>
        <source>Sessions</source>
        <translation>面试记录</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Search by session code</source>
        <translation>按面试编号搜索</translation>
    </message>
    <message>
        <source>Session code</source>
        <translation>面试编号</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>最近 30 天</translation>
    </message>
    <message>
        <source>All dates</source>
        <translation>全部日期</translation>
    </message>
    <message>
        <source>From … to …</source>
        <translation>自定义日期范围</translation>
    </message>
    <message>
        <source>Dates</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>From</source>
        <translation>起始日期</translation>
    </message>
    <message>
        <source>To</source>
        <translation>结束日期</translation>
    </message>
    <message>
        <source>Any outcome</source>
        <translation>全部结果</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Any decision</source>
        <translation>全部决定</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>决定</translation>
    </message>
    <message>
        <source>Any position</source>
        <translation>全部职位</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>职位</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>分数</translation>
    </message>
</context>
<context>
    <name>StaffArea</name>
    <message>
        <source>Working…</source>
        <extracomment>Staff left (logged out or cancelled): show the candidate&apos;s screen again. An IT admin wiped the terminal (a WipeReport): it must take no interview until restarted.</extracomment>
        <translation>处理中…</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Recruiter</source>
        <translation>招聘人员</translation>
    </message>
    <message>
        <source>Department head</source>
        <translation>部门负责人</translation>
    </message>
    <message>
        <source>IT admin</source>
        <translation>IT 管理员</translation>
    </message>
</context>
<context>
    <name>StatusScreen</name>
    <message>
        <source>Starting…</source>
        <translation>正在启动……</translation>
    </message>
    <message>
        <source>This terminal is not available right now</source>
        <translation>本终端暂时无法使用</translation>
    </message>
</context>
<context>
    <name>WelcomeScreen</name>
    <message>
        <source>Welcome</source>
        <extracomment>The welcome screen&apos;s preview: enough to aim a phone at the camera, no more. Between the parts of each column: tight enough for the screen to fit a 1366×768 panel.</extracomment>
        <translation>欢迎</translation>
    </message>
    <message>
        <source>Check in with your invitation code, or as a walk-in.</source>
        <translation>请用邀请码签到，或以现场报名身份签到。</translation>
    </message>
    <message>
        <source>I have an invitation</source>
        <translation>我有邀请码</translation>
    </message>
    <message>
        <source>Type the code from your invitation, or hold its QR code up to the camera.</source>
        <translation>请输入邀请码，或将邀请二维码对准摄像头。</translation>
    </message>
    <message>
        <source>Camera preview</source>
        <translation>摄像头画面</translation>
    </message>
    <message>
        <source>Invitation code</source>
        <translation>邀请码</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>签到</translation>
    </message>
    <message>
        <source>I am a walk-in candidate</source>
        <translation>我是现场报名的求职者</translation>
    </message>
    <message>
        <source>Your full name</source>
        <translation>您的姓名</translation>
    </message>
    <message>
        <source>I am a student or graduated within the last year</source>
        <translation>我是在校学生或近一年内毕业</translation>
    </message>
    <message>
        <source>Enter your name, then choose a position:</source>
        <translation>请输入姓名，然后选择职位：</translation>
    </message>
    <message>
        <source>This invitation code is no longer valid. Please ask a staff member.</source>
        <translation>此邀请码已失效，请联系工作人员。</translation>
    </message>
    <message>
        <source>This QR code is not an invitation. Please show the QR code from your invitation message, or type its code.</source>
        <translation>这不是邀请二维码。请出示邀请信息中的二维码，或输入邀请码。</translation>
    </message>
    <message>
        <source>We could not find this code. Please check it or ask a staff member.</source>
        <translation>找不到此邀请码。请检查后重试，或联系工作人员。</translation>
    </message>
</context>
<context>
    <name>WipePage</name>
    <message>
        <source>A secure wipe erases every interview, recording, staff account, pulled bundle, key and log on this terminal. The keys are destroyed first, so whatever the storage keeps afterwards can no longer be decrypted. A wipe receipt without personal data stays in the data folder. Afterwards the kiosk must be restarted and enrolled again. This cannot be undone.</source>
        <translation>安全擦除将清除本终端上的所有面试、录音录像、员工账户、已下载的数据包、密钥和日志。密钥会最先被销毁，因此存储设备上残留的任何数据都将无法再被解密。数据文件夹中会保留一份不含个人数据的擦除回执。擦除后必须重新启动并重新注册本终端。此操作无法撤销。</translation>
    </message>
    <message>
        <source>Erase everything</source>
        <translation>全部擦除</translation>
    </message>
    <message>
        <source>Device id, to confirm</source>
        <translation>输入设备编号以确认</translation>
    </message>
    <message>
        <source>Stored interviews: %1. Staff accounts: %2.</source>
        <translation>已存储的面试：%1。员工账户：%2。</translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) have not reached the HR system yet and will be lost.</source>
        <translation>
            <numerusform>有 %n 项尚未送达人力资源系统，将会丢失。</numerusform>
        </translation>
    </message>
    <message>
        <source>To confirm, type this terminal&apos;s device id: %1</source>
        <translation>请输入本终端的设备编号以确认：%1</translation>
    </message>
    <message>
        <source>That is not this terminal&apos;s device id. Nothing was erased.</source>
        <translation>该编号不是本终端的设备编号。未擦除任何内容。</translation>
    </message>
</context>
<context>
    <name>WipedPage</name>
    <message>
        <source>This terminal has been wiped</source>
        <translation>本终端已被擦除</translation>
    </message>
    <message>
        <source>All interview data, accounts and keys are erased. The kiosk cannot take interviews any more: restart it and enrol it again (kiosk provision, then add staff accounts).</source>
        <translation>所有面试数据、账户和密钥均已擦除。本终端已无法进行面试：请重新启动并重新注册（运行 kiosk provision，然后添加员工账户）。</translation>
    </message>
    <message>
        <source>%1 interview(s) and %2 account(s) erased; %3 file(s) deleted. Receipt: %4</source>
        <translation>已擦除 %1 场面试和 %2 个账户；已删除 %3 个文件。回执：%4</translation>
    </message>
    <message>
        <source>Not erased (outside the data folder): %1</source>
        <translation>未擦除（位于数据文件夹之外）：%1</translation>
    </message>
</context>
<context>
    <name>_QuestionBase</name>
    <message>
        <source>Practice question. It is not scored.</source>
        <extracomment>After the last key, how long until the text so far is sent to the engine thread. A typed answer is cut at this many characters (about four pages).</extracomment>
        <translation>练习题，不计分。</translation>
    </message>
    <message>
        <source>Question {index} of {total}</source>
        <translation>第 {index} 题，共 {total} 题</translation>
    </message>
    <message>
        <source>Attempt {number}</source>
        <translation>第 {number} 次作答</translation>
    </message>
    <message>
        <source>English</source>
        <translation>英语</translation>
    </message>
    <message>
        <source>Chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <source>Please answer in {language}.</source>
        <translation>请用{language}作答。</translation>
    </message>
</context>
</TS>
