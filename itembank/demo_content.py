"""Texts of the demo bank: domains, levels, ability items and needs/satisfaction items.

Ability items are written as scenarios with two everyday contexts each (8 scenarios × 2
contexts a domain, 16 scenarios for science and health, and 8 more each in
``ABILITY_SURVEY`` for the survey booklets: 192 items); needs items are 5-point Likert
statements.
Each option tuple is (Chinese, English); the key is the option index (or a list of
indexes for multiple response, or the correct order for ordering items). ``demo.py``
stores the options so that keys fall evenly on every position; true/false statements
are written so that about half are false (8 of 17 scenarios true, 9 false).
"""

DOMAINS = [
    # code, parent, kind, name_zh, name_en
    ("info", None, "ability", "信息素养", "Information literacy"),
    ("info.data", "info", "ability", "信息与数据素养", "Information and data literacy"),
    (
        "info.communication",
        "info",
        "ability",
        "交流与协作",
        "Communication and collaboration",
    ),
    ("info.creation", "info", "ability", "数字内容创作", "Digital content creation"),
    ("info.safety", "info", "ability", "安全", "Safety"),
    ("info.problem", "info", "ability", "问题解决", "Problem solving"),
    ("science", None, "ability", "科学素养", "Science literacy"),
    ("health", None, "ability", "健康素养", "Health literacy"),
    ("learning", None, "ability", "学会学习", "Learning to learn"),
    ("needs", None, "needs", "学习需求与满意度", "Learning needs and satisfaction"),
    ("needs.topics", "needs", "needs", "学习内容", "Topics"),
    ("needs.modes", "needs", "needs", "学习方式", "Modes"),
    ("needs.times", "needs", "needs", "学习时间", "Times"),
    ("needs.barriers", "needs", "needs", "学习障碍", "Barriers"),
    (
        "needs.satisfaction",
        "needs",
        "needs",
        "服务满意度",
        "Satisfaction with services",
    ),
]

_INFO_LEVELS = [
    (
        1,
        "L1",
        None,
        False,
        "入门",
        "Beginner",
        "能在他人帮助下使用手机完成简单的信息查找。",
        "Can look up simple information on a phone with help.",
        "从上海学习网的“数字生活入门”课程开始，练习搜索与识别可信网站。",
        "Start with the 'Digital life basics' course; practise searching and spotting trustworthy sites.",
    ),
    (
        2,
        "L2",
        -1.0,
        False,
        "基础",
        "Basic",
        "能独立完成常见的信息查找和在线交流。",
        "Can find everyday information and communicate online on their own.",
        "学习如何比较信息来源、保护个人账户。",
        "Learn to compare sources and protect personal accounts.",
    ),
    (
        3,
        "L3",
        -0.3,
        True,
        "达标",
        "Attained",
        "能评估信息的可靠性，安全地使用数字服务，并解决常见问题。",
        "Evaluates information, uses digital services safely and solves common problems.",
        "尝试数字内容创作和协作工具，巩固信息安全习惯。",
        "Try content creation and collaboration tools; keep up safe habits.",
    ),
    (
        4,
        "L4",
        0.8,
        False,
        "熟练",
        "Proficient",
        "能整合多源信息、创作数字内容并帮助他人。",
        "Combines sources, creates digital content and helps others.",
        "可以参与社区数字志愿服务，或学习数据分析入门。",
        "Volunteer as a digital helper or take an introduction to data analysis.",
    ),
    (
        5,
        "L5",
        1.8,
        False,
        "精通",
        "Advanced",
        "能在复杂情境中批判性地使用信息并解决新问题。",
        "Uses information critically in complex situations and solves new problems.",
        "挑战编程、数据可视化等进阶课程。",
        "Take advanced courses such as programming or data visualisation.",
    ),
]

_GENERIC_LEVELS = [
    (
        1,
        "L1",
        None,
        False,
        "初级",
        "Elementary",
        "掌握少量基本知识。",
        "Knows a few basic facts.",
        "从入门课程开始系统学习。",
        "Start with an introductory course.",
    ),
    (
        2,
        "L2",
        -0.5,
        True,
        "达标",
        "Attained",
        "具备日常生活所需的基本素养。",
        "Has the literacy everyday life requires.",
        "选择感兴趣的专题继续深入。",
        "Go deeper in a topic you like.",
    ),
    (
        3,
        "L3",
        0.9,
        False,
        "良好",
        "Good",
        "能在新情境中运用知识作出判断。",
        "Applies knowledge to judge new situations.",
        "参与讲座、读书会，分享所学。",
        "Join lectures and reading groups; share what you learn.",
    ),
]

LEVELS = {
    "info": _INFO_LEVELS,
    "science": _GENERIC_LEVELS,
    "health": _GENERIC_LEVELS,
    "learning": _GENERIC_LEVELS,
}

# scenario: (kind, stem_zh with {c}, stem_en with {e}, options, key, contexts[(zh, en)], difficulty)
ABILITY = {
    "info.data": [
        (
            "single_choice",
            "在{c}搜索“社区老年大学报名”时，哪种做法最容易找到官方信息？",
            "When searching {e} for 'community senior college enrolment', which is most likely to find the official information?",
            [
                (
                    "在关键词中加上区名和“官方”",
                    "Add the district name and 'official' to the keywords",
                ),
                ("只点击排在最前面的广告", "Click only the top advertisement"),
                ("使用尽量少的关键词", "Use as few keywords as possible"),
                ("只看转发次数最多的帖子", "Read only the most-shared posts"),
            ],
            0,
            [("搜索引擎", "a search engine"), ("“随申办”App", "the Suishenban app")],
            -1.2,
        ),
        (
            "single_choice",
            "{c}上一则消息称“喝淡盐水能预防流感”。判断其可信度，首先应查看什么？",
            "A message on {e} claims 'drinking salt water prevents flu'. What should you check first?",
            [
                ("消息的来源和发布机构", "Its source and publisher"),
                ("点赞数量", "The number of likes"),
                ("配图是否清晰", "Whether the picture is clear"),
                ("发布者的头像", "The sender's avatar"),
            ],
            0,
            [
                ("家庭微信群", "a family WeChat group"),
                ("短视频平台", "a short-video platform"),
            ],
            -0.8,
        ),
        (
            "true_false",
            "在{c}看到的统计图表，纵轴从哪个数值开始，不会影响读者对数据差异大小的印象。",
            "In a chart seen {e}, where the vertical axis starts never changes how large differences look.",
            [("正确", "True"), ("错误", "False")],
            1,
            [("新闻网站上", "on a news site"), ("商品广告中", "in a product advert")],
            0.3,
        ),
        (
            "multiple_response",
            "整理{c}时，以下哪些做法有助于以后快速找到需要的文件？（多选）",
            "When organising {e}, which practices help you find files quickly later? (choose all)",
            [
                ("按主题建立文件夹", "Create folders by topic"),
                ("文件名中写明日期和内容", "Put the date and content in file names"),
                ("把所有文件都放在桌面", "Keep every file on the desktop"),
                ("定期删除重复文件", "Delete duplicates regularly"),
            ],
            [0, 1, 3],
            [
                ("手机相册", "your phone's photo album"),
                ("电脑中的学习资料", "study files on a computer"),
            ],
            0.5,
        ),
        (
            "single_choice",
            "用{c}查询地铁末班车时间，哪一个来源最可靠？",
            "Using {e} to find the last metro train, which source is most reliable?",
            [
                ("上海地铁官方渠道", "Shanghai Metro's official channel"),
                ("一年前的网友攻略", "A traveller's guide from a year ago"),
                ("群聊里的转述", "Someone's summary in a group chat"),
                ("无署名的截图", "An unattributed screenshot"),
            ],
            0,
            [("手机", "a phone"), ("车站自助终端", "a station kiosk")],
            -1.5,
        ),
        (
            "single_choice",
            "下表显示{c}。若要比较各年的增长情况，最合适的图表是哪一种？",
            "The table shows {e}. Which chart best compares growth across years?",
            [
                ("折线图", "A line chart"),
                ("饼图", "A pie chart"),
                ("词云", "A word cloud"),
                ("散点图", "A scatter plot"),
            ],
            0,
            [
                (
                    "社区学校近五年的学员人数",
                    "a community school's learners over five years",
                ),
                (
                    "某区图书馆近五年的借阅量",
                    "a district library's loans over five years",
                ),
            ],
            0.9,
        ),
        (
            "ordered",
            "请按正确的先后顺序排列在{c}检索信息的步骤。",
            "Put the steps of searching {e} in the right order.",
            [
                ("明确要解决的问题", "Define the question"),
                ("选择关键词", "Choose keywords"),
                ("比较和筛选结果", "Compare and filter the results"),
                ("记录可靠的来源", "Note the reliable sources"),
            ],
            [0, 1, 2, 3],
            [
                ("网上图书馆", "an online library"),
                ("政府信息公开平台", "a government open-information portal"),
            ],
            0.6,
        ),
        (
            "single_choice",
            "在{c}中看到“全市 90% 的市民支持某项政策”，你最应追问什么？",
            "You read {e} that '90% of citizens support a policy'. What should you ask first?",
            [
                (
                    "调查了多少人、怎样抽样",
                    "How many were asked and how they were sampled",
                ),
                ("文章作者的年龄", "The author's age"),
                ("文章的字数", "The article's length"),
                (
                    "文章发布的时间是上午还是下午",
                    "Whether it was posted in the morning or afternoon",
                ),
            ],
            0,
            [
                ("一篇公众号文章", "an official-account article"),
                ("一段短视频", "a short video"),
            ],
            1.3,
        ),
    ],
    "info.communication": [
        (
            "single_choice",
            "在{c}中向老师请假，下面哪种表达最得体？",
            "Asking a teacher for leave in {e}, which wording is most appropriate?",
            [
                (
                    "说明原因、时间，并致谢",
                    "Give the reason and dates, and say thank you",
                ),
                ("只发一个表情", "Send only an emoji"),
                ("发一段60秒语音", "Send a 60-second voice message"),
                ("不说明原因", "Give no reason"),
            ],
            0,
            [("班级群", "the class group chat"), ("电子邮件", "an email")],
            -1.4,
        ),
        (
            "true_false",
            "在{c}里转发他人的照片，不需要征得本人同意。",
            "You may forward someone's photo in {e} without asking their permission.",
            [("正确", "True"), ("错误", "False")],
            1,
            [("朋友圈", "WeChat Moments"), ("小区业主群", "the residents' group chat")],
            -1.6,
        ),
        (
            "single_choice",
            "用{c}和外地的家人开视频会议，对方听不到声音，最先检查什么？",
            "In a video call with family via {e}, they cannot hear you. What do you check first?",
            [
                ("麦克风是否被静音", "Whether the microphone is muted"),
                ("屏幕亮度", "Screen brightness"),
                ("手机壁纸", "The phone wallpaper"),
                ("字体大小", "The font size"),
            ],
            0,
            [("腾讯会议", "Tencent Meeting"), ("微信视频通话", "a WeChat video call")],
            -1.0,
        ),
        (
            "multiple_response",
            "多人在{c}上共同编辑一份文档时，哪些做法能减少冲突？（多选）",
            "When several people edit one document on {e}, which practices reduce conflicts? (choose all)",
            [
                ("事先分工，各写各的部分", "Divide the sections in advance"),
                (
                    "使用批注而不是直接删除他人内容",
                    "Comment instead of deleting others' text",
                ),
                ("随时覆盖别人的修改", "Overwrite others' changes at will"),
                ("查看修订记录", "Check the revision history"),
            ],
            [0, 1, 3],
            [
                ("在线协作文档", "an online collaborative editor"),
                ("共享表格", "a shared spreadsheet"),
            ],
            0.4,
        ),
        (
            "single_choice",
            "在{c}上与他人观点不同时，哪种回应最符合网络礼仪？",
            "When you disagree with someone on {e}, which reply best follows netiquette?",
            [
                ("就事论事，礼貌说明理由", "Stick to the point and explain politely"),
                (
                    "用大写字母或感叹号表达不满",
                    "Shout with capitals or exclamation marks",
                ),
                ("公开对方的个人信息", "Publish their personal details"),
                ("号召别人一起指责对方", "Rally others to attack them"),
            ],
            0,
            [
                ("社区论坛", "a community forum"),
                ("新闻评论区", "a news comment section"),
            ],
            -0.6,
        ),
        (
            "single_choice",
            "通过{c}办理业务时需要上传材料，哪种文件格式最不容易出现排版错乱？",
            "Submitting documents through {e}, which file format is least likely to lose its layout?",
            [
                ("PDF", "PDF"),
                ("截图拼接的长图", "A long stitched screenshot"),
                ("手写拍照", "A photo of handwriting"),
                ("纯文本", "Plain text"),
            ],
            0,
            [
                ("“一网通办”", "the 'One-Stop Online' portal"),
                ("单位邮箱", "a work mailbox"),
            ],
            0.7,
        ),
        (
            "true_false",
            "在{c}群发通知时，使用“密送”可以避免收件人彼此看到邮箱地址。",
            "When sending a notice by {e} to many people, BCC keeps addresses hidden from each other.",
            [("正确", "True"), ("错误", "False")],
            0,
            [
                ("电子邮件", "email"),
                ("社区志愿者邮件列表", "the volunteers' mailing list"),
            ],
            1.1,
        ),
        (
            "single_choice",
            "在{c}举办线上读书会，想让不方便视频的老人也能参与，最合适的做法是？",
            "Running an online reading group on {e}, how can older people who cannot join by video take part?",
            [
                ("同时提供电话接入和文字记录", "Offer dial-in and a written summary"),
                ("只允许开摄像头的人发言", "Let only people on camera speak"),
                ("取消活动", "Cancel the event"),
                ("要求所有人下载新软件", "Require new software for all"),
            ],
            0,
            [
                ("社区学校", "the community school"),
                ("街道文化中心", "the neighbourhood cultural centre"),
            ],
            0.2,
        ),
    ],
    "info.creation": [
        (
            "single_choice",
            "制作{c}时使用了网上的图片，最恰当的做法是？",
            "You used pictures from the web in {e}. What is the right thing to do?",
            [
                (
                    "使用允许再利用的图片并注明来源",
                    "Use reusable images and credit the source",
                ),
                ("随意使用，反正是免费的", "Use anything; it is free anyway"),
                ("把水印裁掉后使用", "Crop out the watermark"),
                ("只要不商用就不必在意", "Ignore it if not commercial"),
            ],
            0,
            [
                ("社区活动海报", "a community event poster"),
                ("课程演示文稿", "course slides"),
            ],
            -0.2,
        ),
        (
            "ordered",
            "按顺序排列制作{c}的步骤。",
            "Put the steps of making {e} in order.",
            [
                ("确定主题和观众", "Decide the topic and audience"),
                ("收集素材", "Collect material"),
                ("编辑制作", "Edit"),
                ("检查后发布", "Check and publish"),
            ],
            [0, 1, 2, 3],
            [
                ("一段家庭旅行短视频", "a family travel video"),
                ("一份社区简报", "a community newsletter"),
            ],
            0.1,
        ),
        (
            "single_choice",
            "在电子表格中统计{c}的总数，应使用哪个函数？",
            "In a spreadsheet, which function totals {e}?",
            [("SUM", "SUM"), ("COUNTIF", "COUNTIF"), ("MAX", "MAX"), ("LEFT", "LEFT")],
            0,
            [
                ("每月的水电费", "monthly utility bills"),
                ("各班的报名人数", "enrolments per class"),
            ],
            0.5,
        ),
        (
            "true_false",
            "把{c}发布到网上之前，应删除照片中可能泄露住址的信息。",
            "Before posting {e} online, you should remove details that could reveal your address.",
            [("正确", "True"), ("错误", "False")],
            0,
            [
                ("家门口拍的照片", "a photo taken at your front door"),
                ("孩子的校服照", "a photo of a child in school uniform"),
            ],
            -1.1,
        ),
        (
            "multiple_response",
            "为视障朋友制作{c}时，哪些做法能提高可访问性？（多选）",
            "Making {e} for people with low vision, which practices improve accessibility? (choose all)",
            [
                ("为图片添加替代文字", "Add alt text to images"),
                ("使用足够的颜色对比", "Use enough colour contrast"),
                ("文字全部做成图片", "Turn all text into images"),
                ("提供可放大的字号", "Allow larger text"),
            ],
            [0, 1, 3],
            [
                ("社区公众号推文", "a community article"),
                ("课程讲义", "course handouts"),
            ],
            1.2,
        ),
        (
            "single_choice",
            "给{c}起文件名，哪一个最便于以后查找？",
            "Which file name for {e} is easiest to find later?",
            [
                ("2024-05-社区合唱排练.mp4", "2024-05-choir-rehearsal.mp4"),
                ("新建文件(3).mp4", "New file (3).mp4"),
                ("aaa.mp4", "aaa.mp4"),
                ("最终版最终版.mp4", "final-final.mp4"),
            ],
            0,
            [("排练视频", "a rehearsal video"), ("活动录像", "an event recording")],
            -0.9,
        ),
        (
            "single_choice",
            "在{c}中想把一段文字的格式应用到其他段落，最快的方法是？",
            "In {e}, what is the quickest way to copy one paragraph's formatting to others?",
            [
                ("使用格式刷", "Use the format painter"),
                ("逐段手动设置", "Set each paragraph by hand"),
                ("重新输入文字", "Retype the text"),
                ("截图后粘贴", "Paste a screenshot"),
            ],
            0,
            [
                ("文字处理软件", "a word processor"),
                ("演示文稿软件", "presentation software"),
            ],
            0.0,
        ),
        (
            "single_choice",
            "用{c}做一个简单的自动化：每天早上提醒吃药。最合适的工具是？",
            "Using {e}, you want a daily morning reminder to take medicine. Which tool fits best?",
            [
                ("设置重复的闹钟或日程提醒", "A repeating alarm or calendar reminder"),
                ("每天手动发消息给自己", "Message yourself by hand every day"),
                ("写在纸条上放进抽屉", "A note in a drawer"),
                ("下载不明来源的插件", "An add-on from an unknown source"),
            ],
            0,
            [("手机", "a phone"), ("智能音箱", "a smart speaker")],
            -0.5,
        ),
    ],
    "info.safety": [
        (
            "single_choice",
            "收到{c}称“您的医保卡异常，请点击链接验证”，正确的做法是？",
            "You receive {e} saying 'your medical insurance card is abnormal, click to verify'. What do you do?",
            [
                (
                    "不点链接，通过官方电话核实",
                    "Don't click; check via the official phone number",
                ),
                ("立即点击链接输入密码", "Click and enter your password"),
                ("转发给亲友提醒他们也验证", "Forward it so relatives can verify too"),
                ("回复短信询问", "Reply asking for details"),
            ],
            0,
            [
                ("一条短信", "a text message"),
                ("一个陌生来电", "a call from an unknown number"),
            ],
            -1.3,
        ),
        (
            "single_choice",
            "以下哪个是为{c}设置的最安全的密码？",
            "Which is the safest password for {e}?",
            [
                ("Lh#82qv!Tm9", "Lh#82qv!Tm9"),
                ("123456", "123456"),
                ("生日19650312", "birthday 19650312"),
                ("password", "password"),
            ],
            0,
            [("网上银行", "online banking"), ("电子邮箱", "an email account")],
            -1.0,
        ),
        (
            "true_false",
            "在{c}使用免费公共Wi-Fi时，进行网上支付和在家里一样安全。",
            "On free public Wi-Fi {e}, making online payments is as safe as at home.",
            [("正确", "True"), ("错误", "False")],
            1,
            [("咖啡馆里", "in a café"), ("地铁站内", "in a metro station")],
            -0.7,
        ),
        (
            "multiple_response",
            "为了保护{c}中的个人信息，以下哪些做法是正确的？（多选）",
            "To protect personal information on {e}, which are right? (choose all)",
            [
                ("开启双重验证", "Turn on two-factor authentication"),
                ("定期更新系统", "Install system updates"),
                ("把验证码告诉客服", "Tell 'customer service' your verification code"),
                (
                    "只从官方应用商店下载App",
                    "Install apps only from the official store",
                ),
            ],
            [0, 1, 3],
            [("智能手机", "a smartphone"), ("家用电脑", "a home computer")],
            0.3,
        ),
        (
            "single_choice",
            "某App在安装时要求读取{c}，而这与它的功能无关。你应该？",
            "An app asks, when installed, for access to {e}, which it does not need. You should:",
            [
                ("拒绝该权限或不安装", "Refuse the permission or not install it"),
                ("全部同意以免影响使用", "Allow everything to avoid problems"),
                ("重启手机", "Restart the phone"),
                ("卸载其他App", "Uninstall other apps"),
            ],
            0,
            [("通讯录", "your contacts"), ("位置信息", "your location")],
            0.0,
        ),
        (
            "single_choice",
            "长时间使用{c}导致眼睛干涩，下列建议中最合理的是？",
            "Long use of {e} makes your eyes dry. Which advice is most sensible?",
            [
                (
                    "每用20分钟远眺20秒",
                    "Look into the distance for 20 seconds every 20 minutes",
                ),
                ("把屏幕亮度调到最高", "Turn brightness to maximum"),
                ("熄灯后继续使用", "Keep using it in the dark"),
                ("缩小字号", "Make the text smaller"),
            ],
            0,
            [("手机", "a phone"), ("平板电脑", "a tablet")],
            -1.2,
        ),
        (
            "single_choice",
            "“专家”在{c}推荐一款“稳赚不赔”的理财产品，并要求先转账。这最可能是？",
            "An 'expert' on {e} recommends a 'guaranteed profit' investment and asks for a transfer first. This is most likely:",
            [
                ("投资诈骗", "Investment fraud"),
                ("正规理财服务", "A regulated financial service"),
                ("银行促销", "A bank promotion"),
                ("政府补贴", "A government subsidy"),
            ],
            0,
            [
                ("直播间", "a live stream"),
                ("陌生人拉的群", "a group a stranger invited you to"),
            ],
            -0.4,
        ),
        (
            "single_choice",
            "发现自己的{c}账号在异地登录，首先应该怎么做？",
            "You see your {e} account has logged in from another city. What do you do first?",
            [
                (
                    "立即修改密码并退出其他设备",
                    "Change the password and sign out other devices",
                ),
                ("等几天看看", "Wait a few days"),
                ("删除App", "Delete the app"),
                ("在朋友圈询问", "Ask on social media"),
            ],
            0,
            [("微信", "WeChat"), ("支付宝", "Alipay")],
            0.8,
        ),
    ],
    "info.problem": [
        (
            "single_choice",
            "{c}突然无法连接网络，按排查顺序，最先应检查什么？",
            "{e} suddenly has no network. What do you check first?",
            [
                ("Wi-Fi或移动数据是否开启", "Whether Wi-Fi or mobile data is on"),
                ("恢复出厂设置", "Factory reset"),
                ("购买新设备", "Buy a new device"),
                ("卸载所有App", "Uninstall all apps"),
            ],
            0,
            [("手机", "Your phone"), ("家里的电脑", "Your home computer")],
            -1.4,
        ),
        (
            "ordered",
            "用{c}预约社区医院门诊，请排列正确的步骤。",
            "Booking a community clinic appointment with {e}: put the steps in order.",
            [
                ("登录并完成实名认证", "Log in and verify your identity"),
                ("选择科室和医生", "Choose department and doctor"),
                ("选择就诊时间", "Choose a time"),
                ("确认并保存预约凭证", "Confirm and keep the booking"),
            ],
            [0, 1, 2, 3],
            [
                ("“健康云”App", "the Health Cloud app"),
                ("医院公众号", "the hospital's official account"),
            ],
            -0.3,
        ),
        (
            "single_choice",
            "想在{c}上学习使用智能手机，但不知道从何入手。最有效的方式是？",
            "You want to learn smartphone skills on {e} but don't know where to start. What works best?",
            [
                ("按难度选择入门课程并动手练习", "Pick a beginner course and practise"),
                ("一次下载所有课程", "Download every course at once"),
                ("只看评论", "Read only the comments"),
                ("等别人来教", "Wait for someone to teach you"),
            ],
            0,
            [
                ("上海学习网", "the Shanghai Learning Network"),
                ("社区学校的网课平台", "the community school's online platform"),
            ],
            -0.8,
        ),
        (
            "single_choice",
            "{c}提示“存储空间不足”，以下哪种做法最合理？",
            "{e} says 'storage full'. Which is most sensible?",
            [
                (
                    "清理缓存并备份后删除旧照片",
                    "Clear caches, back up and delete old photos",
                ),
                ("删除系统文件", "Delete system files"),
                ("关机一周", "Switch it off for a week"),
                ("安装更多App", "Install more apps"),
            ],
            0,
            [("手机", "Your phone"), ("平板电脑", "Your tablet")],
            -0.2,
        ),
        (
            "multiple_response",
            "在{c}购买的商品与描述不符，以下哪些是合适的维权途径？（多选）",
            "Goods bought on {e} are not as described. Which are suitable ways to seek redress? (choose all)",
            [
                ("在平台申请退货退款", "Request a return on the platform"),
                ("保留聊天和订单截图", "Keep chat and order screenshots"),
                ("拨打12315投诉", "Complain via the 12315 hotline"),
                ("在网上公开商家员工住址", "Post the seller's staff home address"),
            ],
            [0, 1, 2],
            [("购物平台", "a shopping platform"), ("直播带货", "a live-stream shop")],
            0.6,
        ),
        (
            "single_choice",
            "打印{c}时打印机显示“脱机”，最可能的原因是？",
            "Printing {e}, the printer shows 'offline'. The most likely cause is:",
            [
                (
                    "打印机与电脑的连接断开",
                    "The printer is disconnected from the computer",
                ),
                ("文件太大", "The file is too large"),
                ("字体不对", "Wrong font"),
                ("纸张颜色不对", "Wrong paper colour"),
            ],
            0,
            [("报名表", "an enrolment form"), ("体检报告", "a health-check report")],
            0.4,
        ),
        (
            "single_choice",
            "在{c}中需要计算每位学员的平均出勤率，但数据分散在多个表中。最好的第一步是？",
            "In {e} you need each learner's attendance rate, but the data sit in several tables. The best first step is:",
            [
                ("用统一的学员编号把表合并", "Join the tables on a shared learner ID"),
                ("手工逐条抄写", "Copy rows by hand"),
                ("删除不完整的表", "Delete incomplete tables"),
                ("只算其中一张表", "Use only one table"),
            ],
            0,
            [
                ("电子表格", "a spreadsheet"),
                ("学习管理系统导出的数据", "data exported from a learning system"),
            ],
            1.5,
        ),
        (
            "single_choice",
            "需要把一份纸质材料转为{c}，最便捷的方法是？",
            "You need to turn a paper document into {e}. The easiest way is:",
            [
                ("用手机扫描App生成文件", "Use a phone scanning app"),
                ("重新手抄一遍", "Copy it by hand"),
                ("找人口述", "Have someone read it aloud"),
                ("放弃", "Give up"),
            ],
            0,
            [("PDF文件", "a PDF"), ("可编辑的文字", "editable text")],
            -0.6,
        ),
    ],
    "science": [
        (
            "single_choice",
            "{c}时，为什么要设置对照组？",
            "Why does {e} need a control group?",
            [
                ("排除其他因素的影响", "To rule out other influences"),
                ("让实验更热闹", "To make it livelier"),
                ("节省材料", "To save material"),
                ("让结果更好看", "To make results look better"),
            ],
            0,
            [
                ("检验一种新肥料的效果", "testing a new fertiliser"),
                ("检验一种新药的疗效", "testing a new medicine"),
            ],
            0.4,
        ),
        (
            "true_false",
            "{c}说明两个现象有相关关系，就一定说明其中一个导致了另一个。",
            "{e} shows two things are correlated, so one of them must cause the other.",
            [("正确", "True"), ("错误", "False")],
            1,
            [("一项调查数据", "Survey data"), ("一张统计图", "A chart")],
            0.7,
        ),
        (
            "single_choice",
            "夏天{c}，主要是因为什么？",
            "In summer, {e} mainly because:",
            [
                (
                    "空气中的水蒸气遇冷凝结",
                    "Water vapour in the air condenses on the cold surface",
                ),
                ("瓶子漏水", "The bottle leaks"),
                ("冰块变成气体", "Ice turns into gas"),
                ("阳光照射", "Sunlight"),
            ],
            0,
            [
                ("冰饮料瓶外壁会出现水珠", "drops form on a cold drink bottle"),
                ("空调外机会滴水", "the air-conditioner drips outside"),
            ],
            -0.9,
        ),
        (
            "single_choice",
            "以下关于{c}的说法，哪一项是正确的？",
            "Which statement about {e} is correct?",
            [
                ("它们是地球自转造成的", "They are caused by the Earth's rotation"),
                ("它们是月亮挡住太阳造成的", "The Moon blocks the Sun"),
                ("它们每月只出现一次", "They happen once a month"),
                ("它们与地球无关", "They have nothing to do with the Earth"),
            ],
            0,
            [
                ("昼夜交替", "day and night"),
                ("太阳东升西落", "the Sun rising in the east and setting in the west"),
            ],
            -0.7,
        ),
        (
            "multiple_response",
            "减少{c}的有效做法有哪些？（多选）",
            "Which are effective ways to reduce {e}? (choose all)",
            [
                ("垃圾分类回收", "Sort waste for recycling"),
                ("选择公共交通", "Use public transport"),
                ("长期开着待机电器", "Leave appliances on standby"),
                ("节约用水用电", "Save water and power"),
            ],
            [0, 1, 3],
            [
                ("家庭碳排放", "household carbon emissions"),
                ("城市环境污染", "urban pollution"),
            ],
            -0.3,
        ),
        (
            "single_choice",
            "新闻说“某食品含有化学物质，因此有害”。从科学角度看，最恰当的评价是？",
            "News says '{e} contains chemicals, so it is harmful'. The most scientific response is:",
            [
                (
                    "有害与否取决于物质种类和剂量",
                    "Harm depends on the substance and the dose",
                ),
                ("所有化学物质都有害", "All chemicals are harmful"),
                ("天然的东西都无害", "Natural things are harmless"),
                ("无法判断，不必思考", "It cannot be judged"),
            ],
            0,
            [("一种饮料", "a drink"), ("一种零食", "a snack")],
            0.9,
        ),
        (
            "single_choice",
            "{c}会上浮，主要原因是？",
            "{e} floats mainly because:",
            [
                (
                    "它受到的浮力大于或等于重力",
                    "The buoyant force equals or exceeds its weight",
                ),
                ("它是木头做的", "It is made of wood"),
                ("水在流动", "The water moves"),
                ("它的颜色浅", "It is light-coloured"),
            ],
            0,
            [("钢铁制成的轮船", "A steel ship"), ("救生圈", "A life ring")],
            0.2,
        ),
        (
            "ordered",
            "按科学探究的一般顺序排列下列步骤（情境：{c}）。",
            "Put the steps of a scientific inquiry in order (context: {e}).",
            [
                ("提出问题", "Ask a question"),
                ("作出假设", "Form a hypothesis"),
                ("设计并进行实验", "Design and run an experiment"),
                ("分析数据得出结论", "Analyse data and conclude"),
            ],
            [0, 1, 2, 3],
            [
                ("阳台植物长得慢", "balcony plants grow slowly"),
                ("面包容易发霉", "bread goes mouldy quickly"),
            ],
            1.0,
        ),
        # added for the survey's booklets (10 items a block): appended, so codes above keep
        # their numbers
        (
            "single_choice",
            "把{c}放进冰箱能保存得更久，主要原因是？",
            "Why do foods such as {e} keep longer in the fridge?",
            [
                (
                    "低温使细菌等微生物繁殖变慢",
                    "Low temperature slows the growth of bacteria and other microbes",
                ),
                ("低温能杀死所有细菌", "Cold kills all bacteria"),
                ("冰箱里没有空气", "There is no air in the fridge"),
                ("冰箱里的灯光能消毒", "The fridge light disinfects food"),
            ],
            0,
            [("剩饭剩菜", "leftovers"), ("鲜牛奶", "fresh milk")],
            -1.5,
        ),
        (
            "single_choice",
            "天气预报说{c}“降水概率70%”，最恰当的理解是？",
            "The weather forecast for {e} says 'chance of rain 70%'. What is the best reading?",
            [
                ("全天有70%的时间在下雨", "It will rain for 70% of the day"),
                ("下雨的可能性较大，但不一定会下", "Rain is likely but not certain"),
                ("降雨量将达到70毫米", "There will be 70 mm of rain"),
                ("一定会下雨", "It will certainly rain"),
            ],
            1,
            [("明天", "tomorrow"), ("周六下午", "Saturday afternoon")],
            -1.0,
        ),
        (
            "multiple_response",
            "关于{c}的用电安全，下列哪些做法是正确的？（多选）",
            "For electrical safety {e}, which practices are right? (choose all)",
            [
                (
                    "不在一个插线板上同时使用多个大功率电器",
                    "Do not run several high-power appliances from one power strip",
                ),
                ("用湿手插拔插头", "Plug and unplug with wet hands"),
                (
                    "不把电动自行车电池带进楼道或室内充电",
                    "Do not charge e-bike batteries in the stairwell or indoors",
                ),
                (
                    "发现有人触电，先切断电源再施救",
                    "If someone gets a shock, cut the power before helping",
                ),
            ],
            [0, 2, 3],
            [("家中", "at home"), ("出租屋", "in a rented flat")],
            -0.6,
        ),
        (
            "single_choice",
            "一台功率为1000瓦的{c}连续工作2小时，大约耗电多少度？",
            "A 1,000-watt {e} runs for 2 hours. About how many kWh ('du' on the bill) does it use?",
            [
                ("2度", "2 kWh"),
                ("0.5度", "0.5 kWh"),
                ("1000度", "1,000 kWh"),
                ("2000度", "2,000 kWh"),
            ],
            0,
            [("电暖器", "electric heater"), ("空调", "air conditioner")],
            0.0,
        ),
        (
            "single_choice",
            "两项关于{c}的研究结论相反：甲研究调查了20人，乙研究随机抽样调查了2000人。"
            "一般来说，哪项结论更可信？",
            "Two studies of {e} disagree: study A asked 20 people, study B a random sample of 2,000. "
            "Generally, which conclusion is more credible?",
            [
                (
                    "乙研究，因为随机抽取的样本更大、更有代表性",
                    "Study B: its random sample is larger and more representative",
                ),
                (
                    "甲研究，因为人少可以调查得更仔细",
                    "Study A: with fewer people it could be more careful",
                ),
                ("两项研究一样可信", "Both are equally credible"),
                ("哪项发表得晚就信哪项", "Whichever was published later"),
            ],
            0,
            [
                ("喝咖啡与睡眠", "coffee and sleep"),
                ("晨练与血压", "morning exercise and blood pressure"),
            ],
            0.4,
        ),
        (
            "true_false",
            "在{c}用普通锅烧水，水的沸点比在上海时更高。",
            "In an ordinary pot on {e}, water boils at a higher temperature than in Shanghai.",
            [("正确", "True"), ("错误", "False")],
            1,
            [
                ("青藏高原", "the Tibetan Plateau"),
                ("海拔4000米的山上", "a mountain 4,000 m high"),
            ],
            0.8,
        ),
        (
            "true_false",
            "{c}，看到闪电后约3秒才听到雷声，说明闪电离你大约1千米。",
            "{e}, you hear the thunder about 3 seconds after the lightning: it is about 1 km away.",
            [("正确", "True"), ("错误", "False")],
            0,
            [
                ("夏天下雷雨时", "In a summer thunderstorm"),
                ("傍晚散步遇到雷雨时", "Caught in a storm on an evening walk"),
            ],
            1.1,
        ),
        (
            "single_choice",
            "冬天在室外，{c}摸起来比木头凉得多，主要原因是？",
            "Outdoors in winter, {e} feels much colder than wood mainly because:",
            [
                (
                    "金属导热快，更快地带走手上的热量",
                    "Metal conducts heat fast and draws heat from your hand quicker",
                ),
                (
                    "金属的温度比木头低得多",
                    "The metal is at a much lower temperature than the wood",
                ),
                ("金属本身会制冷", "Metal produces cold"),
                ("木头自己会发热", "Wood produces heat"),
            ],
            0,
            [("铁栏杆", "an iron railing"), ("金属门把手", "a metal door handle")],
            1.5,
        ),
    ],
    "health": [
        (
            "single_choice",
            "关于{c}，下列说法正确的是？",
            "Which statement about {e} is correct?",
            [
                (
                    "成年人血压正常值一般低于140/90毫米汞柱",
                    "Normal adult blood pressure is usually below 140/90 mmHg",
                ),
                ("血压越低越好", "The lower the better"),
                ("只有老人需要测血压", "Only older people need checks"),
                ("没有症状就不会高血压", "No symptoms means no hypertension"),
            ],
            0,
            [("血压", "blood pressure"), ("高血压的预防", "preventing hypertension")],
            -0.2,
        ),
        (
            "true_false",
            "{c}，抗生素能有效治疗普通感冒病毒。",
            "{e}, antibiotics are an effective treatment for the common cold virus.",
            [("正确", "True"), ("错误", "False")],
            1,
            [("一般来说", "Generally"), ("按照医学常识", "By medical consensus")],
            -0.1,
        ),
        (
            "single_choice",
            "看到有人在{c}突然倒地、没有呼吸，首先应该？",
            "Someone collapses {e} and is not breathing. First you should:",
            [
                ("拨打120并开始心肺复苏", "Call 120 and start CPR"),
                ("给他喝水", "Give them water"),
                ("把他扶起来坐着", "Sit them up"),
                ("等他自己醒来", "Wait for them to wake"),
            ],
            0,
            [("地铁站", "in a metro station"), ("公园里", "in a park")],
            -0.8,
        ),
        (
            "single_choice",
            "阅读药品说明书时，{c}应重点查看哪一项？",
            "Reading a medicine leaflet, {e}, what should you check above all?",
            [
                ("用法用量和禁忌", "Dosage and contraindications"),
                ("包装颜色", "Packaging colour"),
                ("生产厂家的广告语", "The maker's slogan"),
                ("药盒大小", "Box size"),
            ],
            0,
            [
                ("给老人用药前", "before giving it to an older person"),
                ("给孩子用药前", "before giving it to a child"),
            ],
            -1.0,
        ),
        (
            "multiple_response",
            "预防{c}，以下哪些做法是有效的？（多选）",
            "Which help prevent {e}? (choose all)",
            [
                ("勤洗手", "Wash hands often"),
                ("按时接种疫苗", "Get vaccinated on schedule"),
                ("与他人共用毛巾", "Share towels"),
                ("室内常通风", "Ventilate rooms"),
            ],
            [0, 1, 3],
            [("流感", "flu"), ("呼吸道传染病", "respiratory infections")],
            -0.4,
        ),
        (
            "single_choice",
            "一份{c}的体检报告显示“空腹血糖 7.8 mmol/L”，合理的做法是？",
            "A health-check report {e} shows 'fasting glucose 7.8 mmol/L'. The sensible step is:",
            [
                ("到医院复查并咨询医生", "Re-test and see a doctor"),
                ("自行购买降糖药", "Buy glucose-lowering drugs yourself"),
                ("不吃主食", "Stop eating staple food"),
                ("忽略，因为没有不舒服", "Ignore it since you feel fine"),
            ],
            0,
            [("单位组织", "from your workplace"), ("社区组织", "from the community")],
            0.6,
        ),
        (
            "single_choice",
            "根据膳食指南，{c}每天的食盐摄入量不宜超过多少？",
            "By the dietary guidelines, {e} should eat no more than how much salt a day?",
            [
                ("5克", "5 g"),
                ("15克", "15 g"),
                ("25克", "25 g"),
                ("没有限制", "No limit"),
            ],
            0,
            [("成年人", "an adult"), ("老年人", "an older adult")],
            0.8,
        ),
        (
            "single_choice",
            "网上流传“{c}可以治愈癌症”。判断这条信息，最可靠的依据是？",
            "It is claimed online that '{e} cures cancer'. The most reliable basis for judging it is:",
            [
                (
                    "权威医学机构的指南和临床研究",
                    "Guidelines of medical authorities and clinical trials",
                ),
                ("个人讲述的经历", "Personal stories"),
                ("转发量", "The number of shares"),
                ("卖家的承诺", "The seller's promise"),
            ],
            0,
            [("某种保健品", "a health supplement"), ("某种偏方", "a folk remedy")],
            0.1,
        ),
        # added for the survey's booklets (10 items a block): appended, so codes above keep
        # their numbers
        (
            "single_choice",
            "{c}被开水烫伤后，首先应该怎么做？",
            "You are scalded by boiling water while {e}. What should you do first?",
            [
                (
                    "立即用流动的凉水冲洗烫伤处15至20分钟",
                    "Cool the burn under running cool water for 15–20 minutes",
                ),
                ("涂上牙膏或酱油", "Put toothpaste or soy sauce on it"),
                ("马上把水泡挑破", "Pop the blisters at once"),
                ("用冰块直接按在伤处", "Press ice directly on the burn"),
            ],
            0,
            [
                ("在家做饭时", "cooking at home"),
                ("给孩子冲奶粉时", "making up a baby's formula"),
            ],
            -1.4,
        ),
        (
            "single_choice",
            "正在服用{c}的人想同时吃一种感冒药，最稳妥的做法是？",
            "Someone taking {e} also wants to take a cold remedy. The safest step is:",
            [
                (
                    "先咨询医生或药师，核对成分和药物相互作用",
                    "Ask a doctor or pharmacist first to check the ingredients and interactions",
                ),
                (
                    "停掉原来的药，改吃感冒药",
                    "Stop the usual medicine and take the cold remedy instead",
                ),
                (
                    "两种药都加倍服用，好得更快",
                    "Double both doses to get better faster",
                ),
                ("选广告最多的那种感冒药", "Choose the most advertised cold remedy"),
            ],
            0,
            [
                ("降压药", "blood-pressure medicine"),
                ("抗凝药（如华法林）", "an anticoagulant such as warfarin"),
            ],
            -0.8,
        ),
        (
            "true_false",
            "接种{c}后，接种部位轻微红肿或出现低热，通常是常见的一般反应，多数会在几天内自行消退。",
            "After {e}, mild redness and swelling at the injection site or a low fever are common "
            "and usually go away by themselves within a few days.",
            [("正确", "True"), ("错误", "False")],
            0,
            [
                ("流感疫苗", "a flu vaccination"),
                ("新冠病毒疫苗", "a COVID-19 vaccination"),
            ],
            -0.5,
        ),
        (
            "true_false",
            "服用{c}期间饮酒，可能引起严重的不良反应（如双硫仑样反应）。",
            "Drinking alcohol while taking {e} can cause a serious reaction (a disulfiram-like reaction).",
            [("正确", "True"), ("错误", "False")],
            0,
            [
                ("头孢类抗生素", "cephalosporin antibiotics"),
                ("甲硝唑", "metronidazole"),
            ],
            0.0,
        ),
        (
            "true_false",
            "{c}接种一次流感疫苗就能终身有效，以后不必每年再接种。",
            "For {e}, one flu vaccination protects for life; there is no need to be vaccinated every year.",
            [("正确", "True"), ("错误", "False")],
            1,
            [
                ("老年人", "older people"),
                ("慢性病患者", "people with a chronic illness"),
            ],
            0.2,
        ),
        (
            "multiple_response",
            "{c}，有人出现头晕、大量出汗、乏力等中暑症状。下列哪些处理是正确的？（多选）",
            "{e}, someone shows signs of heat illness (dizziness, heavy sweating, weakness). "
            "Which responses are right? (choose all)",
            [
                ("把他转移到阴凉通风处", "Move them to a cool, shaded, airy place"),
                (
                    "让他继续活动，多出汗散热",
                    "Keep them moving so they sweat the heat out",
                ),
                (
                    "意识清醒时，让他少量多次地喝些淡盐水",
                    "If they are conscious, give small sips of lightly salted water",
                ),
                (
                    "症状加重或意识不清时拨打120",
                    "Call 120 if it gets worse or they become confused",
                ),
            ],
            [0, 2, 3],
            [
                ("夏天在户外劳动时", "During outdoor work in summer"),
                (
                    "高温天在公园晨练时",
                    "During morning exercise in a park on a hot day",
                ),
            ],
            0.5,
        ),
        (
            "single_choice",
            "一包{c}的营养成分表显示每100克含钠800毫克，整包重250克。吃完一整包大约摄入多少毫克钠？",
            "The nutrition table on a pack of {e} shows 800 mg of sodium per 100 g; the pack weighs 250 g. "
            "About how much sodium is in the whole pack?",
            [
                ("2000毫克", "2,000 mg"),
                ("800毫克", "800 mg"),
                ("320毫克", "320 mg"),
                ("250毫克", "250 mg"),
            ],
            0,
            [("薯片", "crisps"), ("苏打饼干", "soda crackers")],
            0.9,
        ),
        (
            "single_choice",
            "{c}的营养成分表中，“NRV%”一栏表示什么？",
            "In the nutrition table of {e}, what does the 'NRV%' column mean?",
            [
                (
                    "每100克（或每份）食品中该营养素的含量占每日营养素参考值的百分比",
                    "The nutrient in 100 g (or a serving) as a share of its daily reference value",
                ),
                (
                    "该营养素被人体吸收的比例",
                    "The share of the nutrient the body absorbs",
                ),
                (
                    "该营养素占食品重量的百分比",
                    "The nutrient's share of the food's weight",
                ),
                ("食品的新鲜程度", "How fresh the food is"),
            ],
            0,
            [
                ("一盒酸奶", "a pot of yoghurt"),
                ("一包方便面", "a packet of instant noodles"),
            ],
            1.4,
        ),
    ],
    "learning": [
        (
            "single_choice",
            "准备{c}时，哪种复习方法通常最有效？",
            "Preparing for {e}, which study method is usually most effective?",
            [
                ("分散多次练习并自我测试", "Spaced practice with self-testing"),
                ("考前一晚集中通读", "Cramming the night before"),
                ("只划重点不复习", "Highlighting without review"),
                ("反复抄写全文", "Copying the text over and over"),
            ],
            0,
            [
                ("职业资格考试", "a vocational exam"),
                ("外语等级考试", "a language test"),
            ],
            0.3,
        ),
        (
            "ordered",
            "为{c}制定学习计划，请排列合理的步骤。",
            "Planning to learn {e}: put the steps in a sensible order.",
            [
                ("明确目标", "Set a goal"),
                ("了解现有水平", "Assess where you are"),
                ("安排时间和资源", "Plan time and resources"),
                ("定期检查并调整", "Review and adjust"),
            ],
            [0, 1, 2, 3],
            [("一门新技能", "a new skill"), ("书法", "calligraphy")],
            0.5,
        ),
        (
            "single_choice",
            "学习{c}时遇到困难，最有助于坚持下去的是？",
            "Struggling while learning {e}, what best helps you keep going?",
            [
                (
                    "把大目标拆成小目标并记录进步",
                    "Break the goal into steps and track progress",
                ),
                ("立即放弃", "Give up immediately"),
                ("只学最难的部分", "Study only the hardest part"),
                ("和别人比较后自责", "Compare yourself with others and feel bad"),
            ],
            0,
            [("一门乐器", "an instrument"), ("一门外语", "a foreign language")],
            -0.9,
        ),
        (
            "true_false",
            "{c}时，把新知识与已有经验联系起来，有助于理解和记忆。",
            "{e}, linking new knowledge to your experience helps understanding and memory.",
            [("正确", "True"), ("错误", "False")],
            0,
            [
                ("学习新内容", "When learning something new"),
                ("阅读专业书籍", "When reading a specialist book"),
            ],
            -1.1,
        ),
        (
            "single_choice",
            "看完一节{c}后，检验自己是否真正学会的最好方法是？",
            "After {e}, what best checks whether you really learnt it?",
            [
                (
                    "不看资料，向别人讲一遍或做练习",
                    "Explain it to someone or do exercises without notes",
                ),
                ("再看一遍标题", "Reread the title"),
                ("给课程点赞", "Like the course"),
                ("收藏视频", "Bookmark the video"),
            ],
            0,
            [("网上课程", "an online lesson"), ("社区讲座", "a community lecture")],
            0.0,
        ),
        (
            "multiple_response",
            "下面哪些是{c}的可靠途径？（多选）",
            "Which are reliable ways of {e}? (choose all)",
            [
                ("参加社区学校课程", "Taking community-school courses"),
                ("使用上海学习网资源", "Using the Shanghai Learning Network"),
                ("参加读书会", "Joining a reading group"),
                ("相信所有网络广告", "Trusting every online advert"),
            ],
            [0, 1, 2],
            [
                ("终身学习", "lifelong learning"),
                ("提升职业技能", "improving job skills"),
            ],
            -0.5,
        ),
        (
            "single_choice",
            "在{c}学习中，做笔记最有效的方式是？",
            "In {e}, which note-taking method works best?",
            [
                (
                    "用自己的话概括要点并提出问题",
                    "Summarise in your own words and note questions",
                ),
                ("逐字抄写老师的话", "Write down every word"),
                ("不做任何笔记", "Take no notes"),
                ("只拍照不整理", "Take photos and never sort them"),
            ],
            0,
            [
                ("线上直播课", "a live online class"),
                ("线下讲座", "an in-person lecture"),
            ],
            0.6,
        ),
        (
            "single_choice",
            "你想评估自己{c}的学习效果，下列哪个指标最有意义？",
            "To judge how well you learned {e}, which indicator matters most?",
            [
                ("能否在实际情境中运用", "Whether you can use it in real situations"),
                ("学习时长", "Hours spent"),
                ("买了多少书", "Books bought"),
                ("打卡天数", "Days checked in"),
            ],
            0,
            [
                ("一年来", "over the past year"),
                ("参加老年大学", "at the senior college"),
            ],
            1.2,
        ),
    ],
}

# Written for the survey's science and health booklets (issue 19): items that tell
# citizens just below the attainment cut (θ = -0.5) from those just above it, with
# distractors taken from common misconceptions. Kept apart from ABILITY so the items and
# key positions above keep their codes and storage; ``demo.py`` numbers these after a
# domain's other items and gives them better discriminating demo parameters
# (``SURVEY_DISCRIMINATION``). Same format as ABILITY; 2 of 4 true/false scenarios true.
SURVEY_DISCRIMINATION = (1.4, 2.2)
ABILITY_SURVEY = {
    "science": [
        (
            "single_choice",
            "{c}宣称运用“量子科技”，能调理百病。对这类说法，最恰当的态度是？",
            "{e} is advertised as using 'quantum technology' to cure all kinds of illness. "
            "The most appropriate attitude is:",
            [
                (
                    "用科学名词包装、缺乏可靠证据，应保持怀疑并向权威渠道查证",
                    "It borrows scientific words without reliable evidence: stay sceptical "
                    "and check with authoritative sources",
                ),
                ("用了高科技名词，说明一定有效", "High-tech words show that it works"),
                ("价格越贵，效果越可靠", "The more it costs, the better it works"),
                (
                    "有名人代言，就可以相信",
                    "A celebrity endorses it, so it can be trusted",
                ),
            ],
            0,
            [
                ("一款保健鞋垫", "A health insole"),
                ("一种“量子水杯”", "A 'quantum' water cup"),
            ],
            -0.9,
        ),
        (
            "single_choice",
            "家中{c}，第一步应该怎么做？",
            "At home, {e}. What should you do first?",
            [
                (
                    "关闭燃气阀门，打开门窗通风，不开关任何电器",
                    "Turn off the gas valve and open doors and windows; switch no "
                    "appliance on or off",
                ),
                (
                    "立即打开抽油烟机把气排出去",
                    "Switch on the cooker hood to clear the gas",
                ),
                ("打开电灯查找泄漏的位置", "Switch on the light to find the leak"),
                ("马上在屋里打电话报修", "Phone for repairs from inside the flat"),
            ],
            0,
            [
                ("闻到明显的燃气味", "you smell gas strongly"),
                ("燃气报警器突然鸣响", "the gas alarm goes off"),
            ],
            -1.1,
        ),
        (
            "single_choice",
            "上海{c}，主要原因是？",
            "{e} mainly because:",
            [
                (
                    "地轴倾斜，地球绕太阳公转时太阳直射点在南北回归线之间移动",
                    "The Earth's axis is tilted, so as the Earth orbits the Sun the overhead "
                    "Sun moves between the tropics",
                ),
                ("夏天地球离太阳更近", "The Earth is closer to the Sun in summer"),
                ("夏天太阳燃烧得更旺", "The Sun burns hotter in summer"),
                ("夏天天空中的云更少", "There are fewer clouds in summer"),
            ],
            0,
            [
                ("夏季比冬季炎热", "Shanghai is hotter in summer than in winter"),
                (
                    "夏季的白天比冬季长",
                    "Shanghai's summer days are longer than its winter days",
                ),
            ],
            0.2,
        ),
        (
            "single_choice",
            "想知道{c}，下列哪种比较方法最合理？",
            "To find out {e}, which comparison is the most sound?",
            [
                (
                    "其他条件都保持相同，只改变要比较的那一项，并多试几次",
                    "Keep everything else the same, change only the thing compared, "
                    "and repeat a few times",
                ),
                ("每种各试一次，条件随意", "Try each once, under whatever conditions"),
                ("看哪一种的广告更多", "See which one is advertised more"),
                ("问一位用过的朋友感觉如何", "Ask a friend who used one how it felt"),
            ],
            0,
            [
                ("哪种洗衣液去污效果更好", "which laundry detergent cleans better"),
                ("哪个品牌的电池更耐用", "which brand of battery lasts longer"),
            ],
            -0.5,
        ),
        (
            "single_choice",
            "关于{c}，下列哪种说法最有科学依据？",
            "Which statement about {e} is best supported by science?",
            [
                (
                    "经过国家安全评价和批准、按规定使用的，可以放心食用",
                    "Those assessed and approved by the national authorities and used as "
                    "the rules allow are safe to eat",
                ),
                ("食品只要含有它，就一定有害", "Any food that contains it is harmful"),
                ("天然的东西一定比它安全", "Anything natural is safer than it"),
                (
                    "它是否安全，无法用科学方法检验",
                    "Its safety cannot be tested scientifically",
                ),
            ],
            0,
            [
                ("食品添加剂", "food additives"),
                ("转基因食品", "genetically modified food"),
            ],
            0.0,
        ),
        (
            "true_false",
            "从{c}把一个铁球和一个同样大小的木球同时放下，若不计空气阻力，两个球会同时落地。",
            "An iron ball and a wooden ball of the same size are dropped together {e}. Ignoring "
            "air resistance, they land at the same time.",
            [("正确", "True"), ("错误", "False")],
            0,
            [
                ("三楼阳台上", "from a third-floor balcony"),
                ("同一高度", "from the same height"),
            ],
            0.3,
        ),
        (
            "true_false",
            "用{c}加热过的食物会带上放射性，吃了对人体有害。",
            "Food heated {e} becomes radioactive and is harmful to eat.",
            [("正确", "True"), ("错误", "False")],
            1,
            [("微波炉", "in a microwave oven"), ("电磁炉", "on an induction hob")],
            -0.6,
        ),
        (
            "multiple_response",
            "{c}，下列哪些做法是正确的？（多选）",
            "{e}, which of these are right? (choose all)",
            [
                (
                    "关注气象部门发布的官方预警信息",
                    "Follow the weather service's official warnings",
                ),
                (
                    "提前收起阳台、窗台上的花盆等易坠物",
                    "Bring in flower pots and other things that could fall from balconies "
                    "and windowsills",
                ),
                (
                    "到江边、海边观潮拍照",
                    "Go to the riverside or seafront to watch the waves",
                ),
                (
                    "远离广告牌、大树和临时搭建物",
                    "Keep away from billboards, large trees and temporary structures",
                ),
            ],
            [0, 1, 3],
            [
                ("台风来临前", "Before a typhoon arrives"),
                ("气象台发布暴雨红色预警后", "After a red rainstorm warning"),
            ],
            -0.8,
        ),
    ],
    "health": [
        (
            "single_choice",
            "{c}突然出现一侧嘴角歪斜、一侧手臂无力、说话含糊不清。最恰当的判断和做法是？",
            "{e} suddenly has a drooping mouth on one side, a weak arm on one side and slurred "
            "speech. What is the right reading and response?",
            [
                (
                    "可能是脑卒中（中风），立即拨打120，并记下发病时间",
                    "Possibly a stroke: call 120 at once and note when it started",
                ),
                (
                    "可能是太累了，让他先睡一觉",
                    "Probably tiredness: let them sleep it off",
                ),
                (
                    "先给他服用降压药，再观察一天",
                    "Give blood-pressure pills and watch for a day",
                ),
                ("扶他步行去附近的诊所", "Walk them to a nearby clinic"),
            ],
            0,
            [("家中老人", "An older relative at home"), ("一位同事", "A colleague")],
            -0.8,
        ),
        (
            "single_choice",
            "判断{c}体重是否正常，常用体质指数（BMI）。它的计算方法是？",
            "The body mass index (BMI) is used to judge whether {e} has a healthy weight. "
            "How is it calculated?",
            [
                (
                    "体重（千克）除以身高（米）的平方",
                    "Weight (kg) divided by the square of height (m)",
                ),
                ("身高（厘米）减去体重（千克）", "Height (cm) minus weight (kg)"),
                ("体重（千克）除以年龄", "Weight (kg) divided by age"),
                ("腰围除以身高", "Waist divided by height"),
            ],
            0,
            [("一位成年人", "an adult"), ("家人", "a family member")],
            0.0,
        ),
        (
            "single_choice",
            "按照我国成年人身体活动指南，{c}每周宜累计进行多长时间的中等强度身体活动？",
            "By China's physical-activity guidelines for adults, how much moderate activity "
            "should {e} build up each week?",
            [
                ("150分钟以上", "150 minutes or more"),
                ("30分钟就够了", "30 minutes is enough"),
                (
                    "周末运动一次即可，不论时长",
                    "One session at the weekend, however long",
                ),
                (
                    "做家务就够了，不需要另外活动",
                    "Housework is enough; nothing else is needed",
                ),
            ],
            0,
            [
                ("18至64岁的成年人", "an adult aged 18 to 64"),
                ("久坐办公的上班族", "an office worker who sits all day"),
            ],
            0.3,
        ),
        (
            "single_choice",
            "{c}吃东西时被噎住，不能说话、不能咳嗽，双手抓着喉咙。应立即怎么做？",
            "{e} chokes on food: cannot speak or cough and clutches the throat. What should "
            "you do at once?",
            [
                (
                    "用海姆立克急救法：从背后抱住他，向内上方快速冲击上腹部",
                    "Use the Heimlich manoeuvre: from behind, give quick inward and upward "
                    "thrusts to the upper abdomen",
                ),
                ("让他喝水把东西冲下去", "Give them water to wash it down"),
                ("用手指伸进他的喉咙去抠", "Put your fingers down their throat"),
                ("让他平躺休息，等待缓解", "Lay them down and wait for it to pass"),
            ],
            0,
            [
                ("家里的老人", "An older relative"),
                ("餐厅里的一位顾客", "A diner in a restaurant"),
            ],
            -0.4,
        ),
        (
            "single_choice",
            "{c}两周以上情绪低落、睡不好，对什么都提不起兴趣。最恰当的做法是？",
            "For over two weeks {e} has felt low, slept badly and lost interest in everything. "
            "What is the best step?",
            [
                (
                    "及时到医院的精神心理科或心理门诊就诊",
                    "See a mental-health or psychology clinic at a hospital soon",
                ),
                (
                    "认为是性格软弱，劝他想开点就好",
                    "Treat it as weakness and tell them to cheer up",
                ),
                ("自行买安眠药吃", "Buy sleeping pills without advice"),
                ("等它自己过去，不必告诉任何人", "Wait for it to pass and tell no one"),
            ],
            0,
            [("一位朋友", "a friend"), ("家里的一位亲人", "a relative at home")],
            -0.7,
        ),
        (
            "true_false",
            "被{c}抓伤或咬伤后，应立即用肥皂水和流动清水交替冲洗伤口约15分钟，并尽快就医评估是否需要接种狂犬病疫苗。",
            "After a scratch or bite from {e}, wash the wound with soapy and running water in "
            "turn for about 15 minutes, then see a doctor soon about a rabies vaccination.",
            [("正确", "True"), ("错误", "False")],
            0,
            [("猫", "a cat"), ("狗", "a dog")],
            -0.9,
        ),
        (
            "true_false",
            "{c}时发现药品已经过期，只要外观没有变化，就可以继续服用。",
            "When {e} you find a medicine past its expiry date: if it looks unchanged, it is "
            "fine to take.",
            [("正确", "True"), ("错误", "False")],
            1,
            [
                ("整理家庭药箱", "tidying the home medicine box"),
                ("感冒找药", "looking for a cold remedy"),
            ],
            -0.3,
        ),
        (
            "multiple_response",
            "关于{c}，下列哪些说法是正确的？（多选）",
            "About {e}, which statements are right? (choose all)",
            [
                (
                    "吸二手烟同样危害健康",
                    "Breathing second-hand smoke also harms health",
                ),
                (
                    "改吸“低焦油”卷烟就能明显降低危害",
                    "Switching to 'low-tar' cigarettes clearly lowers the harm",
                ),
                ("任何年龄戒烟都对健康有益", "Quitting at any age benefits health"),
                (
                    "上海室内公共场所、室内工作场所禁止吸烟",
                    "Smoking is banned in Shanghai's indoor public places and workplaces",
                ),
            ],
            [0, 2, 3],
            [("吸烟与健康", "smoking and health"), ("二手烟", "second-hand smoke")],
            0.0,
        ),
    ],
}

LIKERT_INTEREST = [
    ("完全不感兴趣", "Not at all interested"),
    ("不太感兴趣", "Slightly interested"),
    ("一般", "Moderately interested"),
    ("比较感兴趣", "Very interested"),
    ("非常感兴趣", "Extremely interested"),
]
LIKERT_PREFER = [
    ("很不喜欢", "Strongly dislike"),
    ("不太喜欢", "Dislike"),
    ("无所谓", "Neutral"),
    ("比较喜欢", "Like"),
    ("非常喜欢", "Strongly like"),
]
LIKERT_FIT = [
    ("完全不合适", "Not suitable at all"),
    ("不太合适", "Not very suitable"),
    ("一般", "Neutral"),
    ("比较合适", "Suitable"),
    ("非常合适", "Very suitable"),
]
LIKERT_AGREE = [
    ("非常不同意", "Strongly disagree"),
    ("不同意", "Disagree"),
    ("说不清", "Not sure"),
    ("同意", "Agree"),
    ("非常同意", "Strongly agree"),
]
LIKERT_SATISFY = [
    ("非常不满意", "Very dissatisfied"),
    ("不满意", "Dissatisfied"),
    ("一般", "Neutral"),
    ("满意", "Satisfied"),
    ("非常满意", "Very satisfied"),
]

NEEDS = {
    "needs.topics": (
        "您对学习“{c}”方面的内容感兴趣吗？",
        "How interested are you in learning about {e}?",
        LIKERT_INTEREST,
        [
            ("智能手机与数字生活", "smartphones and digital life"),
            ("健康养生", "health and wellbeing"),
            ("书法绘画", "calligraphy and painting"),
            ("音乐舞蹈", "music and dance"),
            ("外语", "foreign languages"),
            ("职业技能", "job skills"),
            ("家庭教育", "parenting"),
            ("法律常识", "everyday law"),
            ("理财与防诈骗", "money management and fraud prevention"),
            ("历史文化", "history and culture"),
        ],
    ),
    "needs.modes": (
        "您喜欢通过“{c}”的方式学习吗？",
        "Do you like learning through {e}?",
        LIKERT_PREFER,
        [
            ("线上视频课程", "online video courses"),
            ("线下面授课", "in-person classes"),
            ("直播互动课", "live interactive classes"),
            ("学习团队与社团", "learning groups and clubs"),
            ("参观体验活动", "visits and hands-on activities"),
            ("读书会", "reading groups"),
            ("手机微课", "short phone lessons"),
            ("志愿服务中学习", "learning through volunteering"),
        ],
    ),
    "needs.times": (
        "“{c}”对您来说是合适的学习时间吗？",
        "Is {e} a suitable time for you to learn?",
        LIKERT_FIT,
        [
            ("工作日白天", "weekday daytime"),
            ("工作日晚上", "weekday evenings"),
            ("周末上午", "weekend mornings"),
            ("周末下午", "weekend afternoons"),
            ("寒暑假", "school holidays"),
            ("午休时间", "the lunch break"),
        ],
    ),
    "needs.barriers": (
        "“{c}”妨碍了我参加学习。",
        "'{e}' keeps me from learning.",
        LIKERT_AGREE,
        [
            ("工作太忙没有时间", "Being too busy at work"),
            ("家务和照护负担重", "Housework and care duties"),
            ("学习场所离家太远", "Learning venues being too far away"),
            ("不知道去哪里找课程", "Not knowing where to find courses"),
            ("课程费用太高", "Courses being too expensive"),
            ("不会使用网上学习平台", "Not being able to use online platforms"),
            ("身体健康状况不允许", "My health"),
            ("缺少学习伙伴", "Having no one to learn with"),
        ],
    ),
    "needs.satisfaction": (
        "您对本区“{c}”的满意程度如何？",
        "How satisfied are you with {e} in your district?",
        LIKERT_SATISFY,
        [
            ("社区学校课程", "community-school courses"),
            ("老年大学", "the senior college"),
            ("图书馆服务", "library services"),
            ("上海学习网资源", "Shanghai Learning Network resources"),
            ("学习场所的便利程度", "how convenient learning venues are"),
            ("课程信息发布", "information about courses"),
            ("学习指导与咨询", "learning guidance and advice"),
            ("终身学习服务总体", "lifelong-learning services overall"),
        ],
    ),
}
