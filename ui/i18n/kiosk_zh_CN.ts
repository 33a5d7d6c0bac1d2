<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>ChoiceScreen</name>
    <message>
        <source>Tap the answer you choose. You cannot change it afterwards.</source>
        <translation>请点击您选择的答案。选择后不能更改。</translation>
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
        <source>No, thanks</source>
        <translation>不参加</translation>
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
</context>
<context>
    <name>DeviceCheckScreen</name>
    <message>
        <source>Camera and microphone check</source>
        <translation>摄像头和麦克风检测</translation>
    </message>
    <message>
        <source>Sit comfortably, facing the screen. Press “Start the check” and say “I am ready” in your normal voice.</source>
        <translation>请面向屏幕坐好。点击“开始检测”，然后用平常的音量说“我准备好了”。</translation>
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
        <source>✗ Camera: no picture</source>
        <translation>✗ 摄像头：没有画面</translation>
    </message>
    <message>
        <source>Camera: picture received, brightness {value} of 255</source>
        <translation>摄像头：画面正常，亮度 {value}（最高 255）</translation>
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
        <source>Everything works. You can continue.</source>
        <translation>一切正常，您可以继续。</translation>
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
</context>
<context>
    <name>GreetingScreen</name>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
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
        <translation>请稍候……</translation>
    </message>
    <message>
        <source>Welcome back. Your interview continues where it stopped.</source>
        <translation>欢迎回来。面试将从中断处继续。</translation>
    </message>
</context>
<context>
    <name>PausedScreen</name>
    <message>
        <source>Please wait a moment</source>
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
        <source>I&apos;m done</source>
        <translation>我答完了</translation>
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
    <name>StaffScreen</name>
    <message>
        <source>Staff login</source>
        <translation>工作人员登录</translation>
    </message>
    <message>
        <source>Staff login and the staff screens are not available in this version yet.</source>
        <translation>此版本尚未提供工作人员登录和管理界面。</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
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
        <source>Type the code from your invitation message.</source>
        <translation>请输入邀请信息中的邀请码。</translation>
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
        <source>We could not find this code. Please check it or ask a staff member.</source>
        <translation>找不到此邀请码。请检查后重试，或联系工作人员。</translation>
    </message>
</context>
<context>
    <name>_QuestionBase</name>
    <message>
        <source>Practice question. It is not scored.</source>
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
